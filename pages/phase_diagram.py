"""Phase diagram: a grid of GANs over two hyperparameters, trained at once, coloured live by the
modes each one covers. Click a cell to see that GAN's samples."""
import streamlit as st

import ui  # noqa: F401  (first: the app-shell guard in ui/__init__.py runs before heavy imports)
import numpy as np
import torch
from ganviz.config import TrainConfig
from ganviz.data import DESCRIPTIONS
from ganviz.device import resolve_device
from ganviz.training.losses import LOSSES
from ganviz.training.phase import AXES, MAX_CELLS, PhaseDiagram, parse_axis
from ui import links, live, session, vega_charts
from ui.phase import phase_grid

DIAGRAM, SELECTED = "phase_diagram", "phase_selected"
GPU = resolve_device().type == "cuda"
# presets: (x axis, x values, y axis, y values); value text as parse_axis reads it
LRS = "1e-4:1e-2:8" if GPU else "1e-4:1e-2:4"  # 8x8 grids on a GPU, 4x4 on a CPU
LOSS_NAMES = "minimax,ns,wgan-gp,lsgan,hinge"
PRESETS = {
    "D vs G learning rate": ("lr_d", LRS, "lr_g", LRS),
    "learning rate × D steps": ("lr", LRS, "n_critic", "1,2,3,5"),
    "loss × learning rate": ("lr", LRS, "loss", LOSS_NAMES),
    "loss × seed": ("seed", "0:7:8" if GPU else "0:3:4", "loss", LOSS_NAMES),
    "Adam beta1 × learning rate": ("lr", LRS, "beta1", "0,0.5,0.9"),
}
AXIS_CHARS = 200  # an axis's values as typed (or linked); parse_axis reads them when Compute is pressed

st.title("🗺️ Phase diagram")
st.markdown(
    "Which settings let a GAN cover every mode of the ring or the grid? Each cell below is its own GAN "
    "with the settings of its row and column. All cells train **at once, as one batched model** "
    f"({'one CUDA graph on this GPU' if GPU else 'on this CPU; a GPU trains 64 cells about as fast as one'}), "
    "and fill in with the number of modes they cover (a mode counts as covered when at least one "
    "generated sample lands within 3 standard deviations of it, as in VEEGAN and PacGAN). Click a cell "
    "to see its samples.")

link = links.Link("phase_diagram")
with st.sidebar:
    st.header("Grid")
    preset = st.selectbox("Preset", **link.index("preset", "phase_preset", PRESETS, next(iter(PRESETS))))
    px, pxv, py, pyv = PRESETS[preset]
    x = st.selectbox("Columns (x)", format_func=lambda n: AXES[n].label,
                     **link.index("x", f"phase_x_{preset}", AXES, px))
    x_text = st.text_input("x values", max_chars=AXIS_CHARS,
                           help="a,b,c or low:high:count (log-spaced for learning rates)",
                           **link.value("xs", f"phase_xv_{preset}_{x}", pxv if x == px else "", links.text(AXIS_CHARS)))
    y = st.selectbox("Rows (y)", format_func=lambda n: AXES[n].label, **link.index("y", f"phase_y_{preset}", AXES, py))
    y_text = st.text_input("y values", max_chars=AXIS_CHARS, help=f"losses: {', '.join(LOSSES)}",
                           **link.value("ys", f"phase_yv_{preset}_{y}", pyv if y == py else "", links.text(AXIS_CHARS)))
    st.header("Every cell")
    dataset = st.radio("Data", format_func=lambda n: DESCRIPTIONS[n],
                       **link.index("dataset", "phase_data", ["ring8", "grid25"], "ring8"))
    steps = int(st.number_input("Steps", step=100,
                                **link.number("steps", "phase_steps", 1, 100_000, 3000 if GPU else 600)))
    batch = int(st.number_input("Batch size", step=8,
                                **link.number("batch_size", "phase_batch", 8, 4096, 512 if GPU else 128)))
    width = int(st.number_input("Units per layer",
                                **link.number("model.width", "phase_width", 4, 512, 128 if GPU else 64)))
    loss = st.selectbox("Loss (unless on an axis)", format_func=lambda n: LOSSES[n].label,
                        **link.index("loss", "phase_loss", LOSSES, "ns"))
    lr = st.number_input("Learning rates (unless on an axis)", format="%.0e",
                         **link.number("lr", "phase_lr", 1e-6, 1.0, 1e-3))
link.write()


def build() -> tuple[PhaseDiagram | None, str | None]:
    try:
        x_axis, xs = parse_axis(f"{x}={x_text}")
        y_axis, ys = parse_axis(f"{y}={y_text}")
        base = TrainConfig().replace(**{"data.name": dataset, "batch_size": batch, "model.width": width,
                                        "loss": loss, "lr_d": lr, "lr_g": lr})
        if len(xs) * len(ys) > MAX_CELLS:
            raise ValueError(f"the grid has {len(xs) * len(ys)} cells; at most {MAX_CELLS}")
        return PhaseDiagram(base, x_axis, xs, y_axis, ys), None
    except ValueError as err:
        return None, str(err)


worker = session.current(live.PHASE_WORKER)
running = worker is not None and worker.running
start_col, stop_col, _ = st.columns([1, 1, 4])
if start_col.button("▶ Compute", type="primary", width="stretch", disabled=running):
    diagram, error = build()
    if error:
        st.error(f"Invalid grid — {error}")
    else:
        chunk = 25 if diagram.population.device.type == "cuda" else 5
        worker = session.create(live.PHASE_WORKER, lambda: diagram.population, chunk=chunk, on_chunk=diagram.refresh)
        if worker is not None:
            st.session_state[DIAGRAM] = diagram
            st.session_state[SELECTED] = 0
            worker.start(target=steps)
            st.rerun()
if stop_col.button("⏹ Stop", width="stretch", disabled=not running):
    worker.pause()
    st.rerun()


def select_from_chart() -> None:
    event = st.session_state.get("phase_chart")
    points = event.selection.points if event is not None else []
    members = [p["customdata"] for p in points if "customdata" in p]
    if members:
        st.session_state[SELECTED] = int(members[0])


@session.polling_fragment(run_every=live.poll_seconds(live.PHASE_POLL_SECONDS) if running else None)
def live_panel() -> None:
    w = session.current(live.PHASE_WORKER)
    diagram: PhaseDiagram | None = st.session_state.get(DIAGRAM)
    if w is None or diagram is None:
        st.info("Choose two axes in the sidebar and press **Compute**.")
        return
    snap = w.snapshot()
    population = diagram.population
    if not snap.running and diagram.scored_step != snap.step:
        w.call(lambda _: diagram.score())  # the last chunk's score
    speed = f" · {snap.steps_per_second * population.size:,.0f} GAN-steps/s" if snap.running else " · stopped"
    live.progress(snap, f"step {snap.step:,} / {live.goal(snap):,} of {population.size} GANs{speed}")
    st.caption(population.describe())
    result = diagram.result()
    selected = st.session_state.get(SELECTED, 0)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(phase_grid(result, selected), key="phase_chart", on_select=select_from_chart,
                        selection_mode="points", width="stretch")
    with right:
        labels = [", ".join(f"{AXES[k].label} {v}" for k, v in diagram.cell(i).items()) for i in range(population.size)]
        selected = st.selectbox("Cell", range(population.size), index=selected, format_func=labels.__getitem__,
                                key=f"phase_cell_{selected}")
        st.session_state[SELECTED] = selected
        if diagram.samples is None:
            st.info("Samples appear once the first cells are scored.")
        else:
            real = population.dataset.sample(1000, torch.Generator(population.dataset.means.device).manual_seed(0))
            fake = diagram.samples[selected]
            fake = np.where(np.isfinite(fake), fake, np.nan)
            modes = result["modes"][selected // len(diagram.xs)][selected % len(diagram.xs)]
            # the cell's settings are in the box above: the title says only what it found, so that it
            # fits beside the legend in this narrow column
            title = "diverged" if population.diverged_at[selected] else f"{modes:.0f} of {diagram.num_modes} modes"
            samples = vega_charts.scatter(real.cpu().numpy(), fake, population.dataset.extent(), title=title)
            vega_charts.live_chart("phase_samples", samples)
    if not snap.running and st.session_state.get("phase_was_running"):
        st.session_state["phase_was_running"] = False
        st.rerun()  # redraw the buttons once the grid is done
    st.session_state["phase_was_running"] = snap.running


live_panel()
