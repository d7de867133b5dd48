"""Minimax landscape: the two-player game as a surface, its gradient flow, and why it spirals.

Three views: the Dirac-GAN (two parameters, every loss of the registry, GDA trajectories), the
optimal discriminator and the divergences for 1D densities, and a filter-normalised slice of
the networks trained on the Train page. Every number comes from ``ganviz.landscape``.
"""
from __future__ import annotations

import math

import numpy as np
import streamlit as st

import ui  # noqa: F401  (first: the app-shell guard in ui/__init__.py runs before heavy imports)

from ganviz.animation.frames import dirac_recorder
from ganviz.landscape import dirac, divergences, network
from ganviz.training.losses import LOSSES
from ui import export, landscape, links, live, session

OWN_TRAINER = "ls_trainer"    # a small GAN built here when the Train page has none
SLICE = "ls_slice"

PRESETS = {
    "Plain simultaneous GDA (non-saturating): a limit cycle, no convergence":
        dict(loss="ns", mode="simultaneous", reg="none", lr=0.2, ratio=1.0, momentum=0.0, steps=1000),
    "Plain alternating GDA (non-saturating): converges, slowly":
        dict(loss="ns", mode="alternating", reg="none", lr=0.1, ratio=1.0, momentum=0.0, steps=3000),
    "R1 penalty (Mescheder et al. 2018): converges":
        dict(loss="ns", mode="simultaneous", reg="R1", weight=1.0, lr=0.1, ratio=1.0, momentum=0.0, steps=300),
    "Instance noise σ = 0.5 (Mescheder et al. 2018): converges":
        dict(loss="ns", mode="simultaneous", reg="none", noise=0.5, lr=0.1, ratio=1.0, momentum=0.0, steps=300),
    "Wasserstein game, simultaneous: spirals out":
        dict(loss="wgan-gp", mode="simultaneous", reg="none", lr=0.1, ratio=1.0, momentum=0.0, steps=300),
    "Wasserstein game, alternating: orbits for ever":
        dict(loss="wgan-gp", mode="alternating", reg="none", lr=0.1, ratio=1.0, momentum=0.0, steps=300),
    "Original WGAN, weight clipping at 0.01: oscillates at the clip, no convergence":
        dict(loss="wgan", mode="simultaneous", reg="none", lr=0.1, ratio=1.0, momentum=0.0, steps=3000, extent=0.5),
    "Negative momentum, alternating (Gidel et al. 2019): converges":
        dict(loss="wgan-gp", mode="alternating", reg="none", lr=0.3, ratio=1.0, momentum=-0.5, steps=600),
    "Positive momentum, alternating: blows up":
        dict(loss="wgan-gp", mode="alternating", reg="none", lr=0.1, ratio=1.0, momentum=0.3, steps=300),
    "WGAN-GP's penalty (centred at 1): stalls at θ = 2γ, off the equilibrium":
        dict(loss="wgan-gp", mode="simultaneous", reg="GP", weight=1.0, lr=0.1, ratio=1.0, momentum=0.0, steps=300),
    "TTUR: a 5x faster discriminator with a weak R1":
        dict(loss="ns", mode="simultaneous", reg="R1", weight=0.3, lr=0.1, ratio=5.0, momentum=0.0, steps=300),
}
STEP_SIZES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
MOMENTA = (-0.9, 0.9)
STEP_COUNTS = (50, 3000)
STARTS = (-5.0, 5.0)
SURFACES = {"value": "V = −L_D (what D climbs)", "g_loss": "L_G (what G descends)"}
EXTENTS = [0.5, 1.0, 2.0, 3.0, 5.0, 10.0]
SLICE_GRIDS, SLICE_SPANS, SLICE_BATCHES = [11, 15, 21, 31, 41], [0.1, 0.25, 0.5, 1.0, 2.0], [64, 128, 256, 512]
RATIOS = [0.2, 0.5, 1.0, 2.0, 5.0]
WEIGHTS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REGULARISERS = {"none": "none", "R1": "R1: ½‖∇ₓD(real)‖²", "GP": "GP: (‖∇ₓD(x̂)‖ − 1)²"}
NOISE_LEVELS = [0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0]
VERDICTS = {
    "converging": ("✅", "the distance to the equilibrium (0, 0) keeps falling: the fake point lands on the data "
                         "and D goes flat."),
    "orbiting": ("🔄", "the distance stays in a band and does not fall: the players chase each other round (or "
                      "beside) the equilibrium for ever."),
    "diverging": ("💥", "the distance keeps growing: each player's step overshoots the other's."),
    "stalled": ("⏸", "the path has come to rest away from (0, 0): a stationary point that is not the equilibrium."),
}


DEFAULTS = dict(loss="ns", mode="simultaneous", lr=0.2, ratio=1.0, momentum=0.0, reg="none", weight=1.0, noise=0.0,
                steps=1000, start_psi=1.0, start_theta=1.0, which="value", extent=2.0)
# how each of them travels in a link (its name there is its key here): the widget's own choices and limits
LINKED = dict(loss=links.choice(list(LOSSES)), mode=links.choice(dirac.MODES), lr=links.choice(STEP_SIZES),
              ratio=links.choice(RATIOS), momentum=links.number(*MOMENTA), reg=links.choice(list(REGULARISERS)),
              weight=links.choice(WEIGHTS), noise=links.choice(NOISE_LEVELS), steps=links.number(*STEP_COUNTS),
              start_psi=links.number(*STARTS), start_theta=links.number(*STARTS), which=links.choice(list(SURFACES)),
              extent=links.choice(EXTENTS))


def apply_preset() -> None:
    preset = {"noise": 0.0, "extent": 2.0} | PRESETS[st.session_state["ls_preset"]]  # unset knobs go back to neutral
    for key, value in preset.items():
        st.session_state[f"ls_{key}"] = value


@st.cache_data(show_spinner=False, max_entries=64)
def dirac_run(config_json: str, extent: float, resolution: int) -> tuple[dict, dict]:
    config = dirac.DiracConfig.from_json(config_json)
    return dirac.landscape(config, extent, resolution), dirac.trajectory(config)


@st.cache_data(show_spinner=False, max_entries=64)
def density_report(real: tuple, fake: tuple) -> dict:
    return divergences.optimal_discriminator_report(divergences.Density1D(*real), divergences.Density1D(*fake))


@st.cache_data(show_spinner=False, max_entries=16)
def shift_curves(kind: str, scale: float) -> dict:
    return divergences.divergence_vs_shift(divergences.Density1D(kind, 0.0, scale), np.linspace(-3, 3, 121))


st.title("⛰️ Minimax landscape")
st.caption("GAN training is a two-player game: D ascends V, G descends it. Here the game is small enough "
           "to see whole — and to watch plain gradient steps circle the equilibrium instead of reaching it.")
link = links.Link("landscape")
for key, value in DEFAULTS.items():  # widget defaults live in session state so presets can set them
    link.keep(key, f"ls_{key}", value, LINKED[key])

game_tab, dstar_tab, slice_tab = st.tabs(["Dirac-GAN: the game's flow", "Optimal D and divergences",
                                          "Slice of the live networks"])

# -- 1. the Dirac-GAN ---------------------------------------------------------------------------
with game_tab:
    st.markdown(
        "The **Dirac-GAN** (Mescheder et al. 2018) keeps one parameter per player: real data is a single "
        "point at 0, the generator puts its one fake point at **θ**, and the discriminator is a line, "
        "D(x) = **ψ**·x. The equilibrium is (ψ, θ) = (0, 0). Arrows show one simultaneous gradient step "
        "of both players; the orange path is the optimiser you choose.")
    st.selectbox("Start from a known case", list(PRESETS), key="ls_preset", on_change=apply_preset,
                 index=None, placeholder="pick a classic result…")
    c1, c2, c3, c4 = st.columns(4)
    loss = c1.selectbox("Loss", list(LOSSES), key="ls_loss", format_func=lambda k: LOSSES[k].label)
    mode = c1.radio("Updates", dirac.MODES, key="ls_mode", horizontal=True,
                    help="simultaneous: both players step from the same point; alternating: D steps, then G "
                         "answers the new D")
    lr = c2.select_slider("Step size (G)", STEP_SIZES, key="ls_lr")
    ratio = c2.select_slider("TTUR: D's step / G's step", RATIOS, key="ls_ratio")
    noise = c2.select_slider("Instance noise σ", NOISE_LEVELS, key="ls_noise",
                             help="Gaussian noise N(0, σ²) added to the real and the fake point before D sees them; "
                                  "the arrows and the path use its expectation (Mescheder et al. 2018)")
    momentum = c3.slider("Momentum (both players)", *MOMENTA, step=0.1, key="ls_momentum",
                         help="heavy-ball momentum; negative values damp the rotation (Gidel et al. 2019)")
    reg = c3.radio("Regulariser on D", list(REGULARISERS), key="ls_reg", horizontal=True,
                   format_func=REGULARISERS.get)
    weight = c3.select_slider("Regulariser weight", WEIGHTS, key="ls_weight", disabled=reg == "none")
    steps = c4.slider("Steps", *STEP_COUNTS, step=50, key="ls_steps")
    s1, s2 = c4.columns(2)
    start_psi = s1.number_input("start ψ", *STARTS, step=0.1, key="ls_start_psi")
    start_theta = s2.number_input("start θ", *STARTS, step=0.1, key="ls_start_theta")
    clip = None
    if LOSSES[loss].weight_clip:
        clip = c1.number_input("Weight clip c (0 = off)", step=0.01, help="the original WGAN keeps ψ in [−c, c]",
                               **link.number("clip", "ls_clip", 0.0, 5.0, LOSSES[loss].weight_clip))
    v1, v2 = st.columns([3, 1])
    which = v1.radio("Surface", list(SURFACES), key="ls_which", horizontal=True, format_func=SURFACES.get)
    extent = v2.select_slider("View: ±", EXTENTS, key="ls_extent")

    try:
        config = dirac.DiracConfig(loss=loss, mode=mode, lr_g=lr, lr_d=lr * ratio, momentum=momentum,
                                   gp_weight=weight if reg == "GP" else 0.0,
                                   r1_weight=weight if reg == "R1" else 0.0, weight_clip=clip, noise_std=noise,
                                   steps=steps,
                                   start_psi=start_psi, start_theta=start_theta)
    except ValueError as err:
        st.error(f"Invalid setting — {err}")
        st.stop()
    surface, path = dirac_run(config.to_json(), float(extent), 101)

    outcome = path["verdict"]
    icon, meaning = VERDICTS[outcome.kind]
    d = path["distance"]
    m1, m2, m3 = st.columns([3, 2, 5])  # room for the longest verdict, "converging", at 1280 px
    m1.metric(f"{icon} Verdict", outcome.kind,
              help="How the players move, judged from the last half of the run: converging, orbiting, diverging "
                   "or stalled (the box on the right gives the numbers).")
    m2.metric("Distance to (0, 0)", f"{d[-1]:.3g}" if np.isfinite(d[-1]) else "∞", f"{d[-1] - d[0]:+.3g} from start"
              if np.isfinite(d[-1]) else None, delta_color="inverse",
              help="How far the players (ψ, θ) are from the equilibrium (0, 0) at the last step; the change is "
                   "from where they started.")
    m3.info(f"Judged from the last half of the run, not from where it ends: {meaning}  \n{outcome.describe()}.")
    if len(d) - 1 < steps:
        st.warning(f"The parameters overflowed after {len(d) - 1} steps; the path stops there.")

    left, right = st.columns(2)
    left.plotly_chart(landscape.dirac_flow(surface, path, which), width="stretch", key="ls_flow")
    right.plotly_chart(landscape.dirac_surface(surface, path, which), width="stretch", key="ls_surface")
    export.export_buttons(dirac_recorder(surface, path, which, f"Dirac-GAN, {loss}, {mode}"), "dirac-trajectory")
    st.plotly_chart(landscape.dirac_distance(path), width="stretch", key="ls_distance")
    with st.expander("Why it spirals — the maths in three lines"):
        st.markdown(
            r"""
With D's loss $L_D(\psi,\theta)$ and G's loss $L_G(\psi,\theta)$, gradient descent-ascent follows the field
$v(\psi,\theta) = \big(-\partial_\psi L_D,\ -\partial_\theta L_G\big)$. At the equilibrium its Jacobian is
$\begin{pmatrix}0 & -f'(0)\\ f'(0) & 0\end{pmatrix}$: purely imaginary eigenvalues $\pm i f'(0)$, a rotation.
A simultaneous step of size $h$ multiplies the distance by $\sqrt{1 + h^2 f'(0)^2} > 1$ (spirals out); an
alternating step keeps it roughly constant (orbits). Away from the equilibrium the non-saturating loss shrinks
it a little every turn ($\tfrac{d}{dt}(\psi^2 + \theta^2) = -2u\tanh(u/2) \le 0$, $u = \psi\theta$): alternating steps
converge, slowly, and simultaneous steps settle on a limit cycle where the two effects balance. R1 adds $\gamma\psi$ to $\partial_\psi L_D$, which makes the
eigenvalues' real parts $-\gamma/2 < 0$: the equilibrium attracts. Instance noise $\varepsilon \sim N(0, \sigma^2)$ on
both points does the same through the loss's curvature: eigenvalues $f''(0)\sigma^2 \pm \sqrt{f''(0)^2\sigma^4 - f'(0)^2}$,
damped for the log losses ($f''(0) = -1/4$), not at all for WGAN ($f'' = 0$). The WGAN-GP penalty is centred at
$\|\nabla D\| = 1$, so near $\psi = 0$ it pushes D *away* and gives no such damping.
""")

# -- 2. the optimal discriminator ----------------------------------------------------------------
with dstar_tab:
    st.markdown(
        "For a fixed generator the best discriminator is **D\\*(x) = p_data(x) / (p_data(x) + p_g(x))**, and "
        "plugging it in gives **V(D\\*, G) = 2·JSD(p_data ‖ p_g) − log 4**: training D to optimality and "
        "then G is minimising the Jensen–Shannon divergence. Both sides are computed below, independently.")
    kinds = list(divergences.KINDS)
    r_col, f_col = st.columns(2)
    densities = {}
    for col, who, loc0 in ((r_col, "real", 0.0), (f_col, "generated", 2.0)):
        with col.container(border=True):
            st.markdown(f"**p_{'data' if who == 'real' else 'g'}** ({who})")
            k = st.selectbox("shape", format_func=divergences.KINDS.get,
                             **link.index(f"{who}_shape", f"ls_{who}_kind", kinds, kinds[0]))
            loc = st.slider("location", step=0.1, **link.number(f"{who}_loc", f"ls_{who}_loc", -4.0, 4.0, loc0))
            scale = st.slider("scale", step=0.05, **link.number(f"{who}_scale", f"ls_{who}_scale", 0.1, 2.0,
                                                                1.0 if who == "real" else 0.5))
            densities[who] = (k, loc, scale)
    report = density_report(densities["real"], densities["generated"])
    st.plotly_chart(landscape.optimal_discriminator(report), width="stretch", key="ls_dstar")
    n1, n2, n3, n4 = st.columns(4)
    n1.metric("V(D*, G)", f"{report['value_d_star']:.6f}",
              help="The game's value with the best discriminator D* = p_data / (p_data + p_g), integrated "
                   "numerically.")
    n2.metric("2·JSD − log 4", f"{report['two_jsd_minus_log4']:.6f}",
              f"difference {abs(report['value_d_star'] - report['two_jsd_minus_log4']):.1e}", delta_color="off",
              help="The theorem's right-hand side, from the Jensen–Shannon divergence computed on its own: it "
                   "equals V(D*, G), up to the integration's error shown below it.")
    n3.metric("JSD", f"{report['jsd']:.4f}", f"max log 2 = {math.log(2):.4f}", delta_color="off",
              help="Jensen–Shannon divergence between p_data and p_g, in nats: 0 when they are equal, log 2 when "
                   "they do not overlap.")
    n4.metric("Wasserstein-1", f"{report['wasserstein']:.4f}",
              help="Earth mover's distance between p_data and p_g: the mass to move times how far. Unlike JSD it "
                   "keeps growing as the supports move apart.")
    st.caption(f"V(D = ½, G) = {report['value_half']:.4f} = −log 4: a discriminator that always says ½ scores the "
               "same whatever G does; any better D scores higher, D* scores highest.")

    st.subheader("Disjoint supports: JSD goes flat, Wasserstein does not")
    st.markdown(
        "Now let p_g be a copy of p_data moved sideways by s. While the two overlap, JSD changes with s; once "
        "they are disjoint it is stuck at log 2 — its slope, the only signal a generator trained on it "
        "receives, is zero. The Wasserstein-1 distance keeps growing like |s| and always points G home "
        "(Arjovsky et al. 2017).")
    k1, k2, k3 = st.columns(3)
    slid_kind = k1.selectbox("shape", format_func=divergences.KINDS.get,
                             **link.index("shifted_shape", "ls_slid_kind", kinds, "uniform"))
    slid_scale = k2.slider("scale", step=0.05, **link.number("shifted_scale", "ls_slid_scale", 0.1, 2.0, 0.5))
    shift = k3.slider("shift s", step=0.1, **link.number("shift", "ls_shift", -3.0, 3.0, 2.0))
    at_shift = density_report((slid_kind, 0.0, slid_scale), (slid_kind, shift, slid_scale))
    st.plotly_chart(landscape.divergence_vs_shift(shift_curves(slid_kind, slid_scale), shift), width="stretch",
                    key="ls_shift_fig")
    st.caption(f"At s = {shift:g}: JSD = {at_shift['jsd']:.4f} (log 2 = {math.log(2):.4f}), "
               f"W1 = {at_shift['wasserstein']:.4f}.")

# -- 3. a slice of the live networks -------------------------------------------------------------
with slice_tab:
    st.markdown(
        "The real networks have thousands of parameters, so we look at a plane through them: the current "
        "weights plus α·δ + β·η for two random directions δ, η, each rescaled filter by filter to the size of "
        "the weights it perturbs (Li et al. 2018). Every point of the grid is evaluated in one vectorised "
        "pass (`torch.func.functional_call` under `torch.vmap`) on a fixed batch, with the other player frozen.")
    worker = session.current(live.TRAIN_WORKER)  # None if it was closed (its browser session had ended)
    own = st.session_state.get(OWN_TRAINER)
    if worker is not None:
        step = worker.call(lambda t: t.step_count)
        st.success(f"Using the GAN from the Train page (step {step:,}"
                   f"{', training in the background' if worker.running else ''}).")
        take = worker.call
    elif own is not None:
        st.info(f"No GAN on the Train page in this session; using the small toy GAN built here "
                f"(step {own.step_count:,}).")
        take = lambda fn: fn(own)
    else:
        st.info("No GAN is training on the Train page in this session. Train one there and come back, "
                "or build a small one here (an MLP GAN on the 8-Gaussian ring, 300 steps).")
        st.page_link("pages/train.py", label="Go to the Train page", icon="🏋️")
        take = None
    if take is None or own is not None:
        if st.button("Build and train a fresh toy GAN here" if own is not None else
                     "Build and train a small toy GAN here", key="ls_build"):
            bar = st.progress(0.0, text="training the toy GAN…")
            trainer = network.train_demo(lambda step, steps: bar.progress(step / steps,
                                                                          text=f"training the toy GAN… step {step}"))
            bar.empty()
            st.session_state[OWN_TRAINER] = trainer
            st.session_state.pop(SLICE, None)
            st.rerun()
    if take is not None:
        p1, p2, p3, p4 = st.columns(4)
        player = p1.radio("Whose loss", format_func=str.capitalize,
                          **link.index("player", "ls_player", network.PLAYERS, network.PLAYERS[0]))
        resolution = p2.select_slider("Grid", SLICE_GRIDS,
                                      help="points per axis (odd: one sits on the current weights)",
                                      **link.value("grid", "ls_res", 21, links.choice(SLICE_GRIDS)))
        span = p3.select_slider("Span ±", SLICE_SPANS, **link.value("span", "ls_span", 1.0, links.choice(SLICE_SPANS)))
        batch = p4.select_slider("Batch", SLICE_BATCHES,
                                 **link.value("batch", "ls_batch", 256, links.choice(SLICE_BATCHES)))
        if st.button("Compute the landscape slice", type="primary", key="ls_compute"):
            bar = st.progress(0.0, text="evaluating the loss on the plane…")
            try:
                problem = take(lambda t: network.snapshot(t, player, batch))  # a copy: training goes on meanwhile
                st.session_state[SLICE] = network.loss_slice(
                    problem, resolution, span, progress=lambda f: bar.progress(f, text=f"evaluating… {f:.0%}"))
            except (RuntimeError, ValueError) as err:  # e.g. out of memory for a large grid of image nets
                st.error(f"Could not compute the slice — {err}. Try a smaller grid or batch.")
            bar.empty()
        result = st.session_state.get(SLICE)
        if result is not None:
            st.plotly_chart(landscape.loss_slice(result), width="stretch", key="ls_slice_fig")
            centre = result["loss"][len(result["alpha"]) // 2, len(result["beta"]) // 2]
            st.caption(f"Current loss on this batch: {result['center_loss']:.5f} (grid centre {centre:.5f}); over "
                       f"the plane: {result['loss'].min():.5f} to {result['loss'].max():.5f}. A bowl means the "
                       f"player sits near a minimum of its own loss; a saddle or a slope means it is still moving.")
link.write()
