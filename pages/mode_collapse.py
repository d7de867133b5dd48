"""Mode collapse: a plain GAN and a treated one on the same Gaussian mixture and seed, trained
together, drawn as GAN Lab draws them, with live mode coverage."""
import math

import streamlit as st

from ganviz.collapse.coverage import STRICT_SHARE
from ganviz.collapse.experiment import (LIVE_EVERY, PAGE_STEPS, REMEDY_SETTINGS, SHOWCASE, TREATMENTS, lab_frame,
                                        open_lab, preset)
from ganviz.resources import ResourceError
from ganviz.training.losses import LOSSES
from ganviz.training.process import ProcessWorker
from ganviz.training.remedies import REMEDIES
from ui import live, mode_collapse, session

DATASET_LABELS = {"ring8": "Ring of 8", "grid25": "Grid of 25", "custom": "Draw your own"}
SLOW_MOTION_SECONDS = 0.6
REFRESH_SECONDS = 2.0  # each redraw costs the browser CPU that training needs on a small machine (docs/benchmarks.md)
ARM_NAMES = {"plain": "Plain GAN"}

st.title("Mode collapse")
st.markdown(
    "A GAN whose generator learns faster than its discriminator tends to pile all its samples onto "
    "one or two modes of the data and hop between them: **mode collapse**. On the left a plain GAN, "
    "on the right the same network, seed and data with a remedy from the literature. Teal dots are "
    "real samples, violet ones generated; the background is the discriminator's verdict (teal: "
    "*real*, violet: *generated*), the black strokes show where each generated sample is pushed.")

# -- setup ------------------------------------------------------------------------------------------
state = st.session_state
state.setdefault("mc_means", [[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
state.setdefault("mc_editor_version", 0)

with st.expander("Setup", expanded=True):
    c1, c2, c3, c4 = st.columns([1.2, 1.6, 1, 0.8])
    dataset = c1.radio("Data", list(DATASET_LABELS), format_func=DATASET_LABELS.get, key="mc_dataset")
    treatment = c2.selectbox("Remedy on the right", list(TREATMENTS), format_func=lambda t: TREATMENTS[t][0],
                             index=list(TREATMENTS).index(SHOWCASE[dataset]), key=f"mc_treatment_{dataset}")
    treatment_changes = TREATMENTS[treatment][1]
    c2.caption(REMEDIES[treatment_changes["remedy"]].description if "remedy" in treatment_changes
               else "Changes the setup: " + ", ".join(f"{k} = {v}" for k, v in treatment_changes.items()))
    loss = c3.selectbox("Loss", list(LOSSES), format_func=lambda n: LOSSES[n].label,
                        index=list(LOSSES).index("ns"), key="mc_loss")
    seed = int(c4.number_input("Seed", 0, 2**31 - 1, 0, key="mc_seed"))
    base = preset(dataset, **{"data.means": state.mc_means or [[0.0, 0.0]]})
    if dataset == "custom":
        e1, e2 = st.columns([2, 1])
        with e1:
            def on_click() -> None:
                event = state.get(f"mc_editor_{state.mc_editor_version}")
                points = event.selection.points if event is not None else []
                if points:
                    state.mc_means = mode_collapse.apply_click(state.mc_means, points)
                    state.mc_means_text = mode_collapse.format_means(state.mc_means)
                    state.mc_editor_version += 1  # a fresh chart, so the next click is a new selection

            st.plotly_chart(mode_collapse.editor(state.mc_means, base.data.std),
                            key=f"mc_editor_{state.mc_editor_version}", on_select=on_click,
                            selection_mode="points", config={"displayModeBar": False})
        with e2:
            state.setdefault("mc_means_text", mode_collapse.format_means(state.mc_means))
            text = st.text_area("Components, one 'x, y' per line", key="mc_means_text", height=200)
            try:
                state.mc_means = mode_collapse.parse_means(text)
            except ValueError as err:
                st.error(f"Components: {err}")
            presets = {"two modes": [[-2, 0], [2, 0]], "line of 5": [[x, 0] for x in (-4, -2, 0, 2, 4)],
                       "uneven triangle": [[-3, -2], [3, -2], [0, 0.5]]}
            choice = st.selectbox("or start from", ["—", *presets], key="mc_custom_preset")
            if choice != "—" and st.button("Use it", key="mc_use_preset"):
                state.mc_means = [list(map(float, m)) for m in presets[choice]]
                del state["mc_means_text"]
                st.rerun()

with st.expander("Networks and remedy settings"):
    a1, a2, a3, a4, a5, a6 = st.columns(6)
    lr_g = a1.number_input("G learning rate", 1e-6, 1.0, base.lr_g, format="%.0e", key="mc_lr_g")
    lr_d = a2.number_input("D learning rate", 1e-6, 1.0, base.lr_d, format="%.0e", key="mc_lr_d")
    latent = int(a3.number_input("latent size", 1, 256, base.model.latent_dim, key="mc_latent"))
    width = int(a4.number_input("units per layer", 4, 512, base.model.width, key="mc_width"))
    depth = int(a5.number_input("hidden layers", 1, 6, base.model.depth, key="mc_depth"))
    batch = int(a6.number_input("batch size", 8, 2048, base.batch_size, step=8, key="mc_batch"))
    b1, b2, b3, b4, b5, b6 = st.columns(6)
    std = b1.number_input("mode std", 0.005, 1.0, base.data.std, format="%.3f", key=f"mc_std_{dataset}")
    unroll = int(b2.number_input("unrolled steps k", 1, 20, base.unroll_steps, key="mc_unroll"))
    def benchmark_setting(remedy: str, field: str):
        """The value the benchmark uses for this remedy on this dataset (``ganviz.collapse.experiment``)."""
        return REMEDY_SETTINGS.get((remedy, dataset), {}).get(field, getattr(base, field))

    pack = int(b3.number_input("PacGAN pack m", 2, 16, benchmark_setting("pacgan", "pack"),
                               key=f"mc_pack_{dataset}"))
    n_gen = int(b4.number_input("generators (mixture)", 2, 64, benchmark_setting("mixture", "n_generators"),
                                key=f"mc_ngen_{dataset}"))
    weight_of = treatment if treatment in ("mixture", "historical-averaging") else "none"
    weight = b5.number_input("remedy weight", 0.0, 100.0, benchmark_setting(weight_of, "remedy_weight"),
                             key=f"mc_weight_{dataset}_{weight_of}",
                             help="mixture: weight of the generator-identification term; "
                                  "historical averaging: weight of the pull to past parameters")
    target = int(b6.number_input("stop at step", 10, 1_000_000, PAGE_STEPS[dataset], step=500,
                                 key=f"mc_target_{dataset}"))


changes = {"loss": loss, "lr_g": lr_g, "lr_d": lr_d, "model.latent_dim": latent, "model.width": width,
           "model.depth": depth, "batch_size": batch, "data.std": std, "unroll_steps": unroll, "pack": pack,
           "n_generators": n_gen, "remedy_weight": weight}
if dataset == "custom":
    changes["data.means"] = state.mc_means
try:
    config = preset(dataset, "none", seed, **changes)
    key = (config.to_json(), treatment)
    if state.get("mc_lab_key") != key or session.current(live.COLLAPSE_WORKER) is None:
        # both arms train in a process of their own: engine speed, and a crash there loses only this run
        with st.spinner("Preparing data and networks…"):
            worker = ProcessWorker(open_lab, (config.to_dict(), treatment), view=lab_frame, chunk=LIVE_EVERY,
                                   frame_seconds=REFRESH_SECONDS / 2)
            session.adopt(live.COLLAPSE_WORKER, worker)  # closes the old one; freed when the tab closes
            worker.wait_ready()
        state.mc_lab_key = key
        state.mc_playing = False
        state.mc_manifold_shown = False
except (ValueError, ResourceError, TimeoutError) as err:  # bad settings, the server's slots full, no answer
    st.error(f"These settings do not make a valid run: {err}")
    st.stop()

worker: ProcessWorker = state[live.COLLAPSE_WORKER]
names = {**ARM_NAMES, "treated": f"With {TREATMENTS[treatment][0]}"}

# -- controls ---------------------------------------------------------------------------------------
k1, k2, k3, k4, k5, k6 = st.columns([1, 1, 1, 1, 1, 1.4])
def set_playing(value: bool) -> None:
    state.mc_playing = value


playing = state.get("mc_playing", False)
slow = k6.toggle("Slow motion (one update per frame)", key="mc_slow")
# The button sets what its label says rather than flipping the state: a click that reaches the
# server twice (while a live frame is redrawing) still pauses, instead of pausing and resuming.
k1.button("⏸ Pause" if playing else "▶ Train", type="primary", key="mc_play", on_click=set_playing,
          args=(not playing,))
if k2.button("Train only D", key="mc_only_d", disabled=playing):
    worker.step(1, train_d=True, train_g=False)
if k3.button("Train only G", key="mc_only_g", disabled=playing):
    worker.step(1, train_d=False, train_g=True)
if k4.button("One full step", key="mc_one", disabled=playing):
    worker.step(1)
if k5.button("↺ Reset", key="mc_reset"):
    worker.close()
    del state[live.COLLAPSE_WORKER]
    st.rerun()
if playing and not slow and worker.step_count < target:
    worker.start(target)
else:
    worker.pause()

v1, v2, v3, _ = st.columns([1, 1, 1, 3])
show_heatmap = v1.checkbox("D heatmap", True, key="mc_show_heatmap")
show_arrows = v2.checkbox("G gradients", True, key="mc_show_arrows")
show_manifold = v3.checkbox("G manifold", False, key="mc_show_manifold",
                            help="How G warps a grid of latent vectors (a 2D slice when the latent size > 2)")
if show_manifold != state.mc_manifold_shown:  # the training process computes what frames carry
    worker.set_view(manifold=show_manifold)
    state.mc_manifold_shown = show_manifold


# -- the live view ----------------------------------------------------------------------------------
def metric_cards(report: dict) -> None:
    k = report["num_modes"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Modes held", f"{report['modes_held']}/{k}",
              help=f"modes that at least {STRICT_SHARE:.0%} of the samples are nearest to: 1-2 is a collapse, "
                   "a blur or a cure holds them all")
    m2.metric("Modes covered", f"{report['modes']}/{k}",
              help="modes with at least one generated sample within 3 std of their centre (VEEGAN/PacGAN)")
    m3.metric("High quality", f"{report['high_quality']:.0f}%",
              help="share of generated samples within 3 std of their nearest mode")
    rkl = report["reverse_kl"]
    m4.metric("Reverse KL", "–" if math.isnan(rkl) else f"{rkl:.2f}",
              help="PacGAN's: KL(histogram of the high-quality samples over the modes || uniform), nats; "
                   "0 when balanced, log K when all on one mode, '–' without any high-quality sample")


def live_chart(key: str, spec: dict) -> None:
    """A chart that keeps its element between refreshes (same key, same spec; new data only);
    as wide as its column unless the spec fixes its width (the planes keep x and y to scale)."""
    with st.container(key=key):
        st.vega_lite_chart(spec=spec, key=f"{key}_chart", width="content" if "width" in spec else "stretch")


def draw() -> None:
    if state.get("mc_playing") and slow:
        if worker.step_count < target:
            worker.step(1)
        else:
            state.mc_playing = False
            st.rerun(scope="app")
    snap = worker.snapshot()
    if snap.error and state.get("mc_playing"):  # stop playing; the page then shows the error
        state.mc_playing = False
        st.rerun(scope="app")
    live.progress(snap, f"step {snap.step:,} of {target:,}"
                  + (f" · {snap.steps_per_second:.0f} steps/s" if snap.running else ""), target)
    if not snap.extra:
        return
    columns = st.columns(2)
    for column, (arm, frame) in zip(columns, snap.extra.items()):
        report = frame["metrics"]
        with column:
            st.subheader(names[arm])
            metric_cards(report)
            live_chart(f"mc_plane_{arm}", mode_collapse.plane(frame["view"], frame["means"], "Samples and D's verdict",
                                                              heatmap=show_heatmap, arrows=show_arrows,
                                                              manifold=show_manifold))
            live_chart(f"mc_cov_{arm}", mode_collapse.coverage(report, "Samples per mode (grey: not covered)"))
            live_chart(f"mc_occ_{arm}", mode_collapse.occupancy(snap.history, arm, report["num_modes"],
                                                                "Where the samples sit, over time"))
    if state.get("mc_playing") and not slow and not snap.running and snap.step >= target:
        state.mc_playing = False
        st.rerun(scope="app")


def curves() -> None:
    """The metrics over training: they change slowly, so they are redrawn half as often."""
    history = worker.snapshot().history
    if not history:
        return
    timelines = {"modes_held": f"Modes held (≥ {STRICT_SHARE:.0%})", "modes": "Modes covered",
                 "high_quality": "High-quality samples %", "reverse_kl": "Reverse KL (PacGAN)",
                 "js": "Grid JS (bits)"}
    st.caption(f"Over training: :gray[**{names['plain']}**] and :violet[**{names['treated']}**]")
    for column, (metric, label) in zip(st.columns(len(timelines)), timelines.items()):
        with column:
            live_chart(f"mc_t_{metric}", mode_collapse.timeline(history, metric, label, names))


live_now = state.get("mc_playing", False)
refresh = SLOW_MOTION_SECONDS if slow else REFRESH_SECONDS
st.fragment(draw, run_every=refresh if live_now else None)()
st.fragment(curves, run_every=2 * refresh if live_now else None)()

st.caption(
    "Metrics on 1,000 fresh samples every 25 updates (the benchmark uses 2,500): a mode is *held* when at least "
    "1% of the samples are nearest to it, *covered* when at least one sample lies within 3 standard deviations "
    "of its centre; high quality = the share of samples that do. "
    "Grid JS: GAN Lab's estimate from 20 x 20 histograms of real and generated samples. "
    "`python -m ganviz toy` and `python -m ganviz.bench modes` give the same numbers headless.")
