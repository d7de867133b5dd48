"""The Dirac-GAN's dynamics against references that share no code with ``ganviz.landscape.dirac``:
an independent numpy simulator with hand-derived gradients of the closed-form losses, and the
linearised theory of Mescheder et al. 2018 (their Dirac-GAN cases: unregularised GAN, WGAN with
and without clipping, WGAN-GP, R1, instance noise). docs/checked_against.md quotes these numbers."""
import math

import numpy as np
import pytest
import torch
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import expit

from ganviz.landscape.dirac import DiracConfig, Game, trajectory, verdict
from ganviz.training.losses import LOSSES

H = 0.1        # the step size of every case below (both players)
F1, F2 = 0.5, -0.25  # f'(0), f''(0) of the log losses, f(t) = -log(1 + exp(-t)) in the paper's notation


def reference_path(loss: str, mode: str, steps: int, r1=0.0, gp=0.0, clip=0.0, sigma=0.0, start=(1.0, 1.0)):
    """Gradient descent-ascent on the Dirac-GAN, written out by hand.

    D's logit is ψ·x; real x = ε, fake x = θ + ε with instance noise ε ~ N(0, σ²) (64-node
    Gauss-Hermite expectation). L_D = E softplus(-ψε) + E softplus(ψ(θ+ε)) (log losses) or
    E ψ(θ+ε) - E ψε (Wasserstein); R1 adds r1·ψ²/2, GP adds gp·(|ψ| - 1)²; G's loss is
    -softplus (minimax), softplus(-·) (ns) or -· (Wasserstein) of the fake logit."""
    if sigma:
        eps, w = hermegauss(64)
        eps, w = sigma * eps, w / w.sum()
    else:
        eps, w = np.zeros(1), np.ones(1)
    log_loss = loss in ("minimax", "ns")

    def grad_d(psi, theta):
        real, fake = psi * eps, psi * (theta + eps)
        d_real, d_fake = (-expit(-real), expit(fake)) if log_loss else (-1.0, 1.0)
        expected = np.sum(w * (d_real * eps + d_fake * (theta + eps)))
        return expected + r1 * psi + gp * 2 * (abs(psi) - 1) * np.sign(psi)

    def grad_g(psi, theta):
        fake = psi * (theta + eps)
        d_fake = {"minimax": -expit(fake), "ns": -expit(-fake)}.get(loss, -1.0)
        return np.sum(w * d_fake * psi)

    psi, theta = start
    path = [(psi, theta)]
    for _ in range(steps):
        g_theta = grad_g(psi, theta)
        psi = psi - H * grad_d(psi, theta)
        if clip:
            psi = min(max(psi, -clip), clip)
        if mode == "alternating":
            g_theta = grad_g(psi, theta)
        theta = theta - H * g_theta
        path.append((psi, theta))
    return np.array(path)


def linear_rate(mode: str, jacobian: np.ndarray) -> float:
    """log of the spectral radius of one step of the linearised dynamics ż = J z (per step)."""
    (a, b), (c, d) = H * jacobian
    step = np.eye(2) + H * jacobian if mode == "simultaneous" else np.array(
        [[1 + a, b], [c * (1 + a), 1 + d + c * b]])  # D steps first, G's gradient sees the new ψ
    return float(np.log(np.abs(np.linalg.eigvals(step)).max()))


# (case id, DiracConfig fields, reference_path fields, verdict at 3,000 and at 20,000 steps)
CASES = [
    ("saturating-sim", dict(loss="minimax"), dict(loss="minimax"), "diverging", "diverging"),
    ("saturating-alt", dict(loss="minimax", mode="alternating"), dict(loss="minimax"), "orbiting", "orbiting"),
    ("ns-sim", dict(loss="ns"), dict(loss="ns"), "orbiting", "orbiting"),
    ("ns-alt", dict(loss="ns", mode="alternating"), dict(loss="ns"), "converging", "converging"),
    ("wgan-clip-sim", dict(loss="wgan"), dict(loss="wgan", clip=0.01), "orbiting", "orbiting"),
    ("wgan-clip-alt", dict(loss="wgan", mode="alternating"), dict(loss="wgan", clip=0.01), "orbiting", "orbiting"),
    ("wgan-sim", dict(loss="wgan", weight_clip=0.0), dict(loss="wgan"), "diverging", "diverging"),
    ("wgan-alt", dict(loss="wgan", weight_clip=0.0, mode="alternating"), dict(loss="wgan"), "orbiting", "orbiting"),
    ("wgan-gp-sim", dict(loss="wgan-gp"), dict(loss="wgan-gp", gp=10.0), "stalled", "stalled"),
    ("wgan-gp1-alt", dict(loss="wgan-gp", gp_weight=1.0, mode="alternating"), dict(loss="wgan-gp", gp=1.0),
     "stalled", "stalled"),
    ("r1-sim", dict(loss="ns", r1_weight=1.0), dict(loss="ns", r1=1.0), "converging", "converging"),
    ("r1-alt", dict(loss="ns", r1_weight=1.0, mode="alternating"), dict(loss="ns", r1=1.0), "converging", "converging"),
    ("noise-sim", dict(loss="ns", noise_std=0.5), dict(loss="ns", sigma=0.5), "converging", "converging"),
    ("noise-alt", dict(loss="ns", noise_std=0.5, mode="alternating"), dict(loss="ns", sigma=0.5),
     "converging", "converging"),
]


@pytest.fixture(scope="module")
def reference_paths():
    """Each case's reference path over 20,000 steps (its first 3,001 points are the 3,000-step run)."""
    cache = {}

    def get(case_id):
        if case_id not in cache:
            _, config, ref, _, _ = next(c for c in CASES if c[0] == case_id)
            cache[case_id] = reference_path(mode=config.get("mode", "simultaneous"), steps=20_000, **ref)
        return cache[case_id]
    return get


@pytest.mark.parametrize("case_id, config, ref, at_3k, at_20k", CASES, ids=[c[0] for c in CASES])
def test_paper_cases_match_the_reference_and_keep_their_verdict_at_both_horizons(
        case_id, config, ref, at_3k, at_20k, reference_paths):
    ours = trajectory(DiracConfig(steps=1000, **config))
    reference = reference_paths(case_id)
    points = np.stack([ours["psi"], ours["theta"]], axis=1)
    np.testing.assert_allclose(points, reference[:1001], rtol=0, atol=1e-9)
    for steps, expected in ((3000, at_3k), (20_000, at_20k)):
        outcome = verdict(reference[:steps + 1, 0], reference[:steps + 1, 1])
        assert outcome.kind == expected, (steps, outcome.describe())


def test_the_issues_cases_through_ganviz_itself_at_3000_steps():
    """What `python -m ganviz landscape dirac` reports, not only the reference: NS with alternating
    steps converges (slowly), clipped WGAN oscillates at the clip radius."""
    ns = trajectory(DiracConfig(loss="ns", mode="alternating", steps=3000))["verdict"]
    assert ns.kind == "converging" and -5e-4 < ns.rate < -1e-4
    wgan = trajectory(DiracConfig(loss="wgan", steps=3000))["verdict"]
    assert wgan.kind == "orbiting" and wgan.turns > 10
    assert 0.01 - 1e-9 <= wgan.low and wgan.high < 0.0115


def test_rates_and_radii_of_the_long_runs(reference_paths):
    at = lambda case_id, steps: verdict(reference_paths(case_id)[:steps + 1, 0], reference_paths(case_id)[:steps + 1, 1])
    # NS alternating converges like 1/sqrt(t): the rate per step halves when the run is twice as long, never 0
    assert -5e-4 < at("ns-alt", 3000).rate < -1e-4 and -1e-4 < at("ns-alt", 20_000).rate < -1e-5
    # clipped WGAN: a band from the clip radius c to ~1.14c that does not move
    for steps in (3000, 20_000):
        clipped = at("wgan-clip-sim", steps)
        assert 0.01 - 1e-9 <= clipped.low and clipped.high < 0.0115 and abs(clipped.rate) < 1e-5
    assert at("ns-sim", 20_000).radius == pytest.approx(0.447, abs=0.005)  # the limit cycle
    # WGAN-GP: ψ held at 0⁺ where the penalty's pull 2γ balances θ: at rest at θ = 2γ = 20
    assert at("wgan-gp-sim", 20_000).radius == pytest.approx(20.0, abs=1e-6)
    # the unclipped bilinear game grows by exactly sqrt(1 + h²) per simultaneous step
    assert at("wgan-sim", 3000).rate == pytest.approx(math.log(1 + H ** 2) / 2, rel=1e-9)


@pytest.mark.parametrize("mode", ["simultaneous", "alternating"])
@pytest.mark.parametrize("case_id, jacobian", [
    ("r1", [[-1.0, -F1], [F1, 0.0]]),                      # R1 adds γψ to ∂ψ L_D (γ = 1)
    ("noise", [[2 * F2 * 0.5 ** 2, -F1], [F1, 0.0]]),      # instance noise σ = 0.5: 2 f''(0) σ² on ψ
])
def test_convergence_rate_is_the_linearised_rate(case_id, jacobian, mode):
    config = dict(loss="ns", mode=mode, **({"r1_weight": 1.0} if case_id == "r1" else {"noise_std": 0.5}))
    measured = trajectory(DiracConfig(steps=600, **config))["verdict"].rate
    # R1's Jacobian has a double eigenvalue: the k·λ^k transient makes the fit ~5% slower
    assert measured == pytest.approx(linear_rate(mode, np.array(jacobian)), rel=0.06)


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan"])
@pytest.mark.parametrize("sigma, gamma", [(0.0, 0.0), (0.5, 0.0), (2.0, 0.0), (0.0, 0.5), (0.0, 3.0)])
def test_jacobian_at_the_equilibrium_has_the_papers_eigenvalues(loss, sigma, gamma):
    """Mescheder et al. 2018: instance noise gives f''(0)σ² ± sqrt(f''(0)²σ⁴ - f'(0)²), R1 gives
    -γ/2 ± sqrt(γ²/4 - f'(0)²); unregularised, ±i f'(0). WGAN: f' = 1, f'' = 0 (noise does nothing)."""
    game = DiracConfig(loss=loss, noise_std=sigma, r1_weight=gamma, weight_clip=0.0).game
    f1, f2 = (1.0, 0.0) if loss == "wgan" else (F1, F2)
    field = lambda p, t: np.array([-game.grad_d(p, t).item(), -game.grad_g(p, t).item()])
    e = 1e-6
    zero, step = torch.zeros(1, dtype=torch.float64), torch.full((1,), e, dtype=torch.float64)
    jacobian = np.stack([(field(step, zero) - field(-step, zero)) / (2 * e),
                         (field(zero, step) - field(zero, -step)) / (2 * e)], axis=1)
    if gamma:
        expected = -gamma / 2 + np.array([1, -1]) * np.sqrt(complex(gamma ** 2 / 4 - f1 ** 2))
    else:
        expected = f2 * sigma ** 2 + np.array([1, -1]) * np.sqrt(complex(f2 ** 2 * sigma ** 4 - f1 ** 2))
    got = np.linalg.eigvals(jacobian)
    order = lambda z: (round(z.real, 4), round(z.imag, 4))
    np.testing.assert_allclose(sorted(got, key=order), sorted(expected, key=order), atol=1e-6)


def test_simultaneous_steps_grow_by_the_papers_factor_near_the_equilibrium():
    """One simultaneous step of size h multiplies the distance by sqrt(1 + h² f'(0)²) (NS: f'(0) = ½)."""
    path = trajectory(DiracConfig(loss="ns", steps=50, start_psi=1e-5, start_theta=1e-5))
    ratios = path["distance"][1:] / path["distance"][:-1]
    np.testing.assert_allclose(ratios, math.sqrt(1 + H ** 2 * F1 ** 2), rtol=1e-9)


def test_the_non_saturating_flow_shrinks_the_distance_by_2u_tanh_u_over_2():
    """Continuous time: d(ψ² + θ²)/dt = -2u·tanh(u/2) <= 0 with u = ψθ, which is why alternating
    steps converge (slowly) on this loss and only orbit on the saturating one (there it is 0)."""
    rng = np.random.default_rng(0)
    psi, theta = (as_tensor(rng.uniform(-2, 2, 50)) for _ in range(2))
    for loss, expected in (("ns", lambda u: -2 * u * np.tanh(u / 2)), ("minimax", lambda u: 0 * u)):
        game = Game(loss)
        flow = -2 * (psi * game.grad_d(psi, theta) + theta * game.grad_g(psi, theta))
        np.testing.assert_allclose(flow, expected((psi * theta).numpy()), atol=1e-12)


@pytest.mark.parametrize("loss", ["ns", "minimax", "hinge", "lsgan", "wgan"])
def test_instance_noise_expectation_matches_a_fine_grid_over_independent_real_and_fake_noise(loss):
    """The quadrature pairs real and fake noise node by node; the reference integrates over the
    two independent noises on a 721 x 721 grid (trapezoid, ±9σ) through the registry's own loss."""
    sigma = 0.7
    game = Game(loss, noise_std=sigma)
    psi, theta = as_tensor([0.3, -1.2, 2.0, 2.5]), as_tensor([1.0, 0.4, -0.8, 2.0])
    d, g = game.losses(psi, theta)
    eps = np.linspace(-9, 9, 721) * sigma
    weight = np.exp(-eps ** 2 / (2 * sigma ** 2))
    weight /= weight.sum()
    real_noise, fake_noise = np.meshgrid(eps, eps, indexing="ij")
    pair_weight = np.outer(weight, weight)
    per_pair = torch.vmap(lambda r, f: LOSSES[loss].d(r, f))
    kink = 1e-2 if loss == "hinge" else 1e-10  # relu's kink: Gauss-Hermite converges only algebraically there (6e-3 here)
    for i, (p, t) in enumerate(zip(psi.tolist(), theta.tolist())):
        d_pairs = per_pair(as_tensor(p * real_noise).reshape(-1, 1), as_tensor(p * (t + fake_noise)).reshape(-1, 1))
        g_points = torch.vmap(LOSSES[loss].g)(as_tensor(p * (t + eps)).reshape(-1, 1))
        assert d[i].item() == pytest.approx(float((d_pairs.numpy().reshape(pair_weight.shape) * pair_weight).sum()),
                                            abs=kink)
        assert g[i].item() == pytest.approx(float((g_points.numpy() * weight).sum()), abs=kink)


def as_tensor(values) -> torch.Tensor:
    return torch.tensor(np.asarray(values, dtype=np.float64))
