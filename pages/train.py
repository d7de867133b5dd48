"""Train: pick a dataset, networks, loss and regularisers; watch the game unfold live.

Training runs in the session's TrainingWorker thread; the live panel below is a fragment that
polls it a few times a second, so the page (and Stop) always responds.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

import ui  # noqa: F401  (first: the app-shell guard in ui/__init__.py runs before heavy imports)
from ganviz.animation.frames import image_frame, toy_frame
from ganviz.latent.pictures import image_grid
from ganviz.metrics.factors import image_coverage
from ganviz.resources import ResourceError, out_of_memory_guard
from ganviz.training import Trainer, health, runs
from ganviz.training.worker import TrainingWorker
from ui.export import export_buttons, record
from ui import forms, live, mode_collapse, session, state, vega_charts

st.title("🏋️ Train a GAN")
st.caption("Choose the data, networks, loss and regularisers in the sidebar. **Start** trains in the "
           "background; **Step** runs exactly one update (D then G); the link in your address bar "
           "reopens this exact setup.")

FORM_GENERATION = "train_form_generation"  # bumped when a suggestion moves the form to fresh widget keys
APPLIED = "train_applied"  # set when a suggestion changed the form: the next full run restarts with it
COVERAGE_SAMPLES = 256  # generated shapes per poll the coverage cards read: about ten per mode of 24
DIAGNOSED = "train_diagnosed"  # whether the page shows a diagnosis: the live panel redraws the page when that changes


def form_prefix(generation: int) -> str:
    """The sidebar form's widget keys: this prefix + a dotted config field ("cfg:", then "cfg1:", ...)."""
    return f"cfg{generation or ''}:"


url_flat, url_error = state.config_from_url()
if url_error:
    st.warning(url_error)
flat, config, error = forms.config_form(url_flat, prefix=form_prefix(st.session_state.get(FORM_GENERATION, 0)))
if error:
    st.error(f"Invalid setting — {error}")
    st.stop()
state.config_to_url(flat)

target = st.sidebar.number_input("Train for (steps)", min_value=1, max_value=10_000_000, value=5000, step=500,
                                 key="train_target")


def build_worker(cfg) -> TrainingWorker | None:
    try:
        with st.spinner("Preparing data and networks…"), out_of_memory_guard("preparing the data and networks"):
            return TrainingWorker(Trainer(cfg))
    except (ValueError, FileNotFoundError, ResourceError) as err:  # bad settings, no free slot, no memory
        st.error(f"Cannot build this GAN — {err}")
    return None


def current_worker() -> TrainingWorker | None:
    return session.current(live.TRAIN_WORKER)  # None once a closed session's worker was released


def install(worker: TrainingWorker | None) -> TrainingWorker | None:
    session.adopt(live.TRAIN_WORKER, worker)  # closes the one it replaces; released when the tab closes
    return current_worker()


def start(w: TrainingWorker | None) -> None:
    if w is not None:
        w.start(target=max(int(target), w.trainer.step_count + 1))
        st.session_state["train_was_running"] = True  # so a run that stops at once (diverged) redraws too
        st.rerun()  # redraw the buttons for the running state


def apply_suggestion(changes: dict) -> None:
    """A button's callback (it runs before the widgets are drawn, so it may set them): the form
    takes the suggestion's settings and the next full run starts a fresh run with them.

    The settings go to fresh widget keys: a live-panel poll that the browser sent before it drew
    the new values carries the old ones, and Streamlit would write them back into the old keys."""
    generation = st.session_state.get(FORM_GENERATION, 0)
    old, new = form_prefix(generation), form_prefix(generation + 1)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(old)]:
        st.session_state[new + key.removeprefix(old)] = st.session_state[key]
    for name, value in changes.items():
        st.session_state[new + name] = value
    st.session_state[FORM_GENERATION] = generation + 1
    st.session_state[APPLIED] = True


worker = current_worker()
pending_change = worker is not None and worker.trainer.config != config
if st.session_state.pop(APPLIED, False):
    start(install(build_worker(config)))
if worker is not None and pending_change and worker.trainer.step_count == 0 and not worker.running:
    worker, pending_change = install(build_worker(config)), False

start_col, pause_col, step_col, reset_col, save_col = st.columns(5)
if start_col.button("▶ Start", type="primary", width="stretch",
                    disabled=worker is not None and worker.running):
    start(worker or install(build_worker(config)))
if pause_col.button("⏸ Pause", width="stretch", disabled=worker is None or not worker.running):
    worker.pause()
    st.rerun()
if step_col.button("⏭ Step", width="stretch", help="one discriminator + generator update",
                   disabled=worker is not None and worker.running):
    worker = worker or install(build_worker(config))
    if worker is not None:
        worker.step(1)
if reset_col.button("↺ Reset", width="stretch", help="new networks from this page's settings"):
    worker, pending_change = install(build_worker(config)), False

if pending_change:
    st.info("Settings changed since this run started. **Reset** applies them (a new run); "
            "**Start** continues the current run with its original settings.")


def save_checkpoint(w: TrainingWorker) -> tuple[Path, bytes]:
    """Save under runs/ (where the Evaluate and Latent pages look) and zip it for download."""
    folder = runs.new_run_folder()
    w.call(lambda t: t.save(folder))
    return folder, runs.zipped(folder)


if save_col.button("💾 Save", width="stretch", disabled=worker is None or worker.trainer.step_count == 0):
    folder, archive = save_checkpoint(worker)
    st.success(f"Saved to `{folder}` (Hub format: config.json + model.safetensors).")
    st.download_button("Download checkpoint (.zip)", archive, file_name=f"{folder.name}.zip", mime="application/zip")


def diagnosis_of(w: TrainingWorker | None) -> health.Diagnosis | None:
    return None if w is None else health.diagnose(w.snapshot().history, w.trainer.config)


def diagnosis_panel(diagnosis: health.Diagnosis | None) -> None:
    """The run's diagnosis, if it has one, with a button per suggestion that restarts with it.
    Drawn by the full page, not the live panel: a button's callback may then set the sidebar's
    widgets (from inside a fragment, the browser kept their old values)."""
    st.session_state[DIAGNOSED] = diagnosis is not None
    if diagnosis is None:
        return
    st.warning(diagnosis.message, icon="⚠️")
    for col, suggestion in zip(st.columns(len(diagnosis.suggestions)), diagnosis.suggestions):
        col.button(f"↻ {suggestion.label}", key=f"train_apply_{suggestion.label}", width="stretch",
                   on_click=apply_suggestion, args=(suggestion.changes,),
                   help=f"Apply it and start a fresh run: {suggestion.why}")


@session.polling_fragment(run_every=live.poll_seconds() if worker is not None and worker.running else None)
def live_panel() -> None:
    w = current_worker()
    if w is None:
        st.info("Press **Start** to train, or **Step** to watch a single update.")
        return
    snap = w.snapshot()
    live.progress(snap, f"step {snap.step:,} / {live.goal(snap):,}"
                  + (f" · {snap.steps_per_second:,.0f} steps/s" if snap.running else " · paused"))
    history = snap.history
    trainer = w.trainer
    last = {k: v[-1] for k, v in history.items() if v}
    cols = st.columns(4)
    cols[0].metric("D loss", f"{last['d_loss']:.3f}" if "d_loss" in last else "—",
                   help="The discriminator's loss on the last batch, under the sidebar's loss. Falling to about 0 "
                        "while the samples stay noise: D is winning outright.")
    cols[1].metric("G loss", f"{last['g_loss']:.3f}" if "g_loss" in last else "—",
                   help="The generator's loss on the last batch: how badly its samples fooled D. In a GAN the two "
                        "losses need not fall together; they trade.")
    cols[2].metric("D(x) real", f"{last['d_real']:.3f}" if "d_real" in last else "—",
                   help="D's mean verdict on the last batch's real samples: a probability for the losses that "
                        "have one (½ when D cannot tell), a raw score for the others.")
    cols[3].metric("D(G(z)) fake", f"{last['d_fake']:.3f}" if "d_fake" in last else "—",
                   help="D's mean verdict on the last batch's generated samples: near 0 for a probabilistic loss "
                        "means D sees through every one.")
    if (health.diagnose(history, trainer.config) is not None) != st.session_state.get(DIAGNOSED, False):
        st.rerun(scope="app")  # the diagnosis came or went: the full page draws it

    left, right = st.columns([3, 2])
    with left:
        vega_charts.live_chart("train_losses", vega_charts.loss_curves(history))
        vega_charts.live_chart("train_d", vega_charts.discriminator_curves(history, trainer.loss.probabilistic))
    with right:
        if trainer.is_image:
            images = w.call(lambda t: t.generate(n=64))
            st.image(image_grid(images), caption="Generated samples (fixed z)", width="stretch")
            if trainer.config.data.name == "shapes":  # its modes are known: coverage measured exactly
                fake = w.call(lambda t: t.sample_pairs(COVERAGE_SAMPLES)[1])
                mode_collapse.show_metric_cards(image_coverage(fake, trainer.config.data, mode_collapse.factor_net()))
        else:
            real, fake = w.call(lambda t: t.sample_pairs(1000, seed=0))
            vega_charts.live_chart("train_samples",
                                   vega_charts.scatter(real.cpu().numpy(), fake.cpu().numpy(),
                                                       trainer.dataset.extent()))
        frame = (image_frame(image_grid(images)) if trainer.is_image
                 else toy_frame(real.cpu().numpy(), fake.cpu().numpy(), trainer.dataset.extent()))
        export_buttons(record("train_frames", w, snap.step, frame), "train-samples")
    if not snap.running and st.session_state.get("train_was_running"):
        st.session_state["train_was_running"] = False
        st.rerun()  # refresh the buttons once training stops on its own
    st.session_state["train_was_running"] = snap.running


diagnosis_panel(diagnosis_of(current_worker()))
live_panel()
