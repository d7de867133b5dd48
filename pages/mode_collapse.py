"""Mode collapse: a plain GAN and a treated one on the same Gaussian mixture and seed, trained
together, drawn as GAN Lab draws them, with live mode coverage."""
import streamlit as st

from ganviz.animation.frames import collapse_frame
from ganviz.collapse.experiment import PAGE_STEPS, REMEDY_SETTINGS, SHOWCASE, TREATMENTS, preset
from ganviz.resources import ResourceError
from ganviz.training.losses import LOSSES
from ganviz.training.optimizers import OPTIMIZERS
from ganviz.training.remedies import REMEDIES
from ui.export import export_buttons, record
from ui import forms, links, live, mode_collapse, present
from ui.vega_charts import live_chart

DATASET_LABELS = {"ring8": "Ring of 8", "grid25": "Grid of 25", "custom": "Draw your own"}
SLOW_MOTION_SECONDS = 0.6
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
link = links.Link("mode_collapse")
link.keep("means", "mc_means", [[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]], mode_collapse.MEANS_LINK)
state.setdefault("mc_editor_version", 0)

with present.setup("Setup", "mc", expanded=True):
    c1, c2, c3, c4 = st.columns([0.9, 1.4, 1.5, 0.8])  # the longest loss and remedy names fit at 1280 px
    dataset = c1.radio("Data", format_func=DATASET_LABELS.get,
                       **link.index("dataset", "mc_dataset", DATASET_LABELS, "ring8"))
    treatment = c2.selectbox("Remedy on the right", format_func=lambda t: TREATMENTS[t][0],
                             **link.index("remedy", f"mc_treatment_{dataset}", TREATMENTS, SHOWCASE[dataset]))
    treatment_changes = TREATMENTS[treatment][1]
    c2.caption(REMEDIES[treatment_changes["remedy"]].description if "remedy" in treatment_changes
               else "Changes the setup: " + ", ".join(f"{k} = {v}" for k, v in treatment_changes.items()))
    loss = c3.selectbox("Loss", format_func=lambda n: LOSSES[n].label, **link.index("loss", "mc_loss", LOSSES, "ns"))
    seed = forms.bounded_input(c4, "seed", "Seed", **link.field("seed", "mc_seed", 0))
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

with present.setup("Networks and remedy settings", "mc_networks"):
    a1, a2, a3, a4, a5, a6 = st.columns(6)
    lr_g = forms.bounded_input(a1, "lr_g", "G learning rate", format="%.0e", **link.field("lr_g", "mc_lr_g", base.lr_g))
    lr_d = forms.bounded_input(a2, "lr_d", "D learning rate", format="%.0e", **link.field("lr_d", "mc_lr_d", base.lr_d))
    latent = forms.bounded_input(a3, "model.latent_dim", "latent size",
                                 **link.field("model.latent_dim", "mc_latent", base.model.latent_dim))
    width = forms.bounded_input(a4, "model.width", "units per layer",
                                **link.field("model.width", "mc_width", base.model.width))
    depth = forms.bounded_input(a5, "model.depth", "hidden layers",
                                **link.field("model.depth", "mc_depth", base.model.depth))
    batch = forms.bounded_input(a6, "batch_size", "batch size", step=8,
                                **link.field("batch_size", "mc_batch", base.batch_size))
    b1, b2, b3, b4, b5, b6 = st.columns(6)
    std = forms.bounded_input(b1, "data.std", "mode std", format="%.3f",
                              **link.field("data.std", f"mc_std_{dataset}", base.data.std))
    unroll = forms.bounded_input(b2, "unroll_steps", "unrolled steps k",
                                 **link.field("unroll_steps", "mc_unroll", base.unroll_steps))
    def benchmark_setting(remedy: str, field: str):
        """The value the benchmark uses for this remedy on this dataset (``ganviz.collapse.experiment``)."""
        return REMEDY_SETTINGS.get((remedy, dataset), {}).get(field, getattr(base, field))

    pack = forms.bounded_input(b3, "pack", "PacGAN pack m",
                               **link.field("pack", f"mc_pack_{dataset}", benchmark_setting("pacgan", "pack")))
    n_gen = forms.bounded_input(b4, "n_generators", "generators (mixture)",
                                **link.field("n_generators", f"mc_ngen_{dataset}",
                                             benchmark_setting("mixture", "n_generators")))
    weight_of = treatment if treatment in ("mixture", "historical-averaging") else "none"
    weight = forms.bounded_input(b5, "remedy_weight", "remedy weight",
                                 **link.field("remedy_weight", f"mc_weight_{dataset}_{weight_of}",
                                              benchmark_setting(weight_of, "remedy_weight")))
    target = int(b6.number_input("stop at step", step=500,
                                 **link.number("steps", f"mc_target_{dataset}", 10, 1_000_000, PAGE_STEPS[dataset])))
    # each player's optimiser (both arms use them), then the settings the chosen ones read
    o1, o2, *setting_columns = st.columns(6)
    opt_g = forms.choice_input(o1, "optimizer_g", "G optimiser",
                               **link.field("optimizer_g", "mc_opt_g", base.optimizer_g))
    opt_d = forms.choice_input(o2, "optimizer_d", "D optimiser",
                               **link.field("optimizer_d", "mc_opt_d", base.optimizer_d))
    optimizer_settings = {name: forms.setting_input(setting_columns[i % len(setting_columns)], name,
                                                    **link.field(name, f"mc_{name}", getattr(base, name)))
                          for i, name in enumerate(forms.read_by(OPTIMIZERS, (opt_g, opt_d)))}
link.write()


changes = {"loss": loss, "lr_g": lr_g, "lr_d": lr_d, "model.latent_dim": latent, "model.width": width,
           "model.depth": depth, "batch_size": batch, "data.std": std, "unroll_steps": unroll, "pack": pack,
           "n_generators": n_gen, "remedy_weight": weight, "optimizer_g": opt_g, "optimizer_d": opt_d,
           **optimizer_settings}
if dataset == "custom":
    changes["data.means"] = state.mc_means
try:
    config = preset(dataset, "none", seed, **changes)
    worker, fresh = mode_collapse.lab_worker(config, treatment, live.COLLAPSE_WORKER, "mc_lab_key")
except (ValueError, ResourceError, TimeoutError) as err:  # bad settings, the server's slots full, no answer
    st.error(f"These settings do not make a valid run: {err}")
    st.stop()
if fresh:
    state.mc_playing = False
    state.mc_manifold_shown = False

names = {**ARM_NAMES, "treated": f"With {TREATMENTS[treatment][0]}"}

# -- controls ---------------------------------------------------------------------------------------
k1, k2, k3, k4, k5, k6 = st.columns([1, 1, 1, 1, 1, 1.4])
def set_playing(value: bool) -> None:
    state.mc_playing = value


playing = state.get("mc_playing", False)
slow = k6.toggle("Slow motion", key="mc_slow", help="One update per frame, drawn as it happens")
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
mode_collapse.drive(worker, live.COLLAPSE_WORKER, train=playing and not slow, target=target,
                   reset=k5.button("↺ Reset", key="mc_reset"))

v1, v2, v3, _ = st.columns([1, 1, 1, 3])
show_heatmap = v1.checkbox("D heatmap", True, key="mc_show_heatmap")
show_arrows = v2.checkbox("G gradients", True, key="mc_show_arrows")
show_manifold = v3.checkbox("G manifold", False, key="mc_show_manifold",
                            help="How G warps a grid of latent vectors (a 2D slice when the latent size > 2)")
if show_manifold != state.mc_manifold_shown:  # the training process computes what frames carry
    worker.set_view(manifold=show_manifold)
    state.mc_manifold_shown = show_manifold


# -- the live view ----------------------------------------------------------------------------------
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
    live.progress(snap, mode_collapse.progress_text(snap.step, target, snap.steps_per_second if snap.running else None),
                  target)
    if not snap.extra:
        return
    columns = st.columns(2)
    for column, (arm, frame) in zip(columns, snap.extra.items()):
        report = frame["metrics"]
        with column:
            st.subheader(names[arm])
            mode_collapse.show_metric_cards(report)
            live_chart(f"mc_plane_{arm}", mode_collapse.plane(frame["view"], frame["means"], "Samples and D's verdict",
                                                              heatmap=show_heatmap, arrows=show_arrows,
                                                              manifold=show_manifold))
            live_chart(f"mc_cov_{arm}", mode_collapse.coverage(report, "Samples per mode"))
            live_chart(f"mc_occ_{arm}", mode_collapse.occupancy(snap.history, arm, report["num_modes"],
                                                                "Where the samples sit, over time"))
    export_buttons(record("mc_frames", worker, snap.step, collapse_frame(snap.extra, names)), "mode-collapse")
    if state.get("mc_playing") and not slow and not snap.running and snap.step >= target:
        state.mc_playing = False
        st.rerun(scope="app")


def curves() -> None:
    """The metrics over training: they change slowly, so they are redrawn half as often."""
    history = worker.snapshot().history
    if history:
        mode_collapse.show_timelines(history, names, "mc")


live_now = state.get("mc_playing", False)
refresh = SLOW_MOTION_SECONDS if slow else mode_collapse.REFRESH_SECONDS
st.fragment(draw, run_every=refresh if live_now else None)()
st.fragment(curves, run_every=2 * refresh if live_now else None)()

st.caption(
    "Metrics on 1,000 fresh samples every 25 updates (the benchmark uses 2,500): a mode is *held* when at least "
    "1% of the samples are nearest to it, *covered* when at least one sample lies within 3 standard deviations "
    "of its centre; high quality = the share of samples that do. "
    "Grid JS: GAN Lab's estimate from 20 x 20 histograms of real and generated samples. "
    "`python -m ganviz toy` and `python -m ganviz.bench modes` give the same numbers headless.")
