"""Mode collapse in images: a plain DCGAN and a treated one on the rendered shapes, same seed, trained
together; the shape factor network reads which shape x colour combinations each one draws."""
import streamlit as st

from ganviz.animation.frames import collapse_frame
from ganviz.collapse.experiment import LAB_IMAGES, PAGE_STEPS, SHOWCASE, TREATMENTS, lesson
from ganviz.resources import ResourceError
from ganviz.training.remedies import REMEDIES
from ui.export import export_buttons, record
from ui import forms, links, live, mode_collapse, present
from ui.vega_charts import live_chart

DATASET = "shapes"

st.title("Mode collapse in images")
st.markdown(
    "Every picture of the **shapes** data is one of 4 shapes in one of 6 colours: 24 modes, and a shape "
    "factor network that knows them reads which ones a generator draws. On the left a plain DCGAN, on the "
    "right the same network, seed and data with a remedy. The plain one soon draws **the same few pictures "
    "for every z** and hops between them; with PacGAN the same network covers about twice as many "
    "shape x colour combinations by update 1,000 (on each of 10 seeds checked, docs/shapes.md).")

# -- setup ------------------------------------------------------------------------------------------
state = st.session_state
link = links.Link("image_collapse")
with present.setup("Setup", "ic", expanded=True):
    c1, c2, c3 = st.columns([2, 1, 1])
    treatment = c1.selectbox("Remedy on the right", format_func=lambda t: TREATMENTS[t][0],
                             **link.index("remedy", "ic_treatment", TREATMENTS, SHOWCASE[DATASET]))
    changes = TREATMENTS[treatment][1]
    c1.caption(REMEDIES[changes["remedy"]].description if "remedy" in changes
               else "Changes the setup: " + ", ".join(f"{k} = {v}" for k, v in changes.items()))
    seed = forms.bounded_input(c2, "seed", "Seed", **link.field("seed", "ic_seed", 0))
    target = int(c3.number_input("stop at step", step=250,
                                 **link.number("steps", "ic_target", 10, 100_000, PAGE_STEPS[DATASET])))
link.write()

try:
    worker, fresh = mode_collapse.lab_worker(lesson(DATASET, seed), treatment, live.IMAGE_COLLAPSE_WORKER,
                                             "ic_lab_key")
except (ValueError, ResourceError, TimeoutError) as err:  # the server's slots full, no answer
    st.error(f"These settings do not make a valid run: {err}")
    st.stop()
if fresh:
    state.ic_playing = False

names = {"plain": "Plain DCGAN", "treated": f"With {TREATMENTS[treatment][0]}"}


# -- controls ---------------------------------------------------------------------------------------
def set_playing(value: bool) -> None:
    state.ic_playing = value


playing = state.get("ic_playing", False)
k1, k2, k3, _ = st.columns([1, 1, 1, 3])
k1.button("⏸ Pause" if playing else "▶ Train", type="primary", key="ic_play", on_click=set_playing,
          args=(not playing,))
if k2.button("One full step", key="ic_one", disabled=playing):
    worker.step(1)
mode_collapse.drive(worker, live.IMAGE_COLLAPSE_WORKER, train=playing, target=target,
                   reset=k3.button("↺ Reset", key="ic_reset"))


# -- the live view ----------------------------------------------------------------------------------
def draw() -> None:
    snap = worker.snapshot()
    if state.get("ic_playing") and (snap.error or (not snap.running and snap.step >= target)):
        state.ic_playing = False  # an error or the end: the page's buttons say so
        st.rerun(scope="app")
    live.progress(snap, mode_collapse.progress_text(snap.step, target, snap.steps_per_second if snap.running else None),
                  target)
    if not snap.extra:
        return
    for column, (arm, frame) in zip(st.columns(2), snap.extra.items()):
        report = frame["metrics"]
        with column:
            st.subheader(names[arm])
            mode_collapse.show_metric_cards(report)
            st.image(frame["view"], width="stretch",
                     caption=f"The same {LAB_IMAGES} latent vectors in every frame")
            live_chart(f"ic_cov_{arm}", mode_collapse.coverage(report, "Samples per shape x colour"))
            live_chart(f"ic_occ_{arm}", mode_collapse.occupancy(snap.history, arm, report["num_modes"],
                                                                "Where the samples sit, over time"))
    export_buttons(record("ic_frames", worker, snap.step, collapse_frame(snap.extra, names)), "image-collapse")


def curves() -> None:
    history = worker.snapshot().history
    if history:
        mode_collapse.show_timelines(history, names, "ic")


refresh = mode_collapse.REFRESH_SECONDS if state.get("ic_playing", False) else None
st.fragment(draw, run_every=refresh)()
st.fragment(curves, run_every=2 * refresh if refresh else None)()

st.caption(
    "Metrics on 1,000 samples of fixed z every 25 updates, each read by the shipped shape factor network: a mode is "
    "*held* when at least 1% of the samples look most like it, *covered* when at least one sample is read as it with "
    "90% confidence; high quality = the share of samples read that confidently. "
    "`python -m ganviz toy --dataset shapes --remedy pacgan --eval-every 50` gives the same numbers headless; "
    "docs/shapes.md has the seeds this lesson was checked on.")
