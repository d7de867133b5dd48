"""The Dirac-GAN (Mescheder, Geiger & Nowozin 2018): the smallest GAN that still spirals.

Real data is a point mass at 0, the generator outputs one number, G(z) = θ, and the
discriminator is linear, D(x) = ψ·x (a logit). Every loss in the registry has its equilibrium at
(ψ, θ) = (0, 0), where the fakes sit on the data and D says nothing. Near that point the
gradient field of the unregularised game is a rotation, so plain simultaneous gradient steps
spiral *outwards*; alternating steps orbit; a penalty on D's input gradient (R1) or Gaussian
instance noise on D's inputs adds damping and makes the equilibrium attract.

The losses and penalties are the registry's own functions
(:data:`ganviz.training.losses.LOSSES`, :mod:`ganviz.training.regularizers`), evaluated on a whole
grid of parameter points in one pass: each of those functions is a *mean over samples*, and here
sample i is parameter point i, so points never interact and N·∂(mean)/∂ψ_i is point i's own
gradient. One backward pass gives the entire vector field.

:func:`verdict` names what a trajectory does from the tail of its distance to the equilibrium
(converging, orbiting, diverging or stalled, each with its number), not from where it ends.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from ganviz.config import RegularizerConfig, spec
from ganviz.landscape.network import symmetric_axis
from ganviz.training.losses import LOSSES
from ganviz.training.regularizers import gradient_penalty, r1_penalty

DTYPE = torch.float64  # trajectories of thousands of steps: keep round-off out of the picture
MODES = ["simultaneous", "alternating"]
NOISE_NODES = 64       # Gauss-Hermite nodes of the instance-noise expectation (see Game.noise_nodes)
FLOOR = 1e-12          # a distance below FLOOR x the start distance is the equilibrium, to float64 precision
AT_REST = 1e-6         # a path whose steps move it by less than AT_REST x its distance is at rest


@dataclass
class DiracConfig(RegularizerConfig):
    """One Dirac-GAN experiment: the game (loss, regularisers) and the optimiser that plays it. The
    penalties and the weight clip are the run configuration's own fields (:class:`RegularizerConfig`):
    here D's one weight is ψ, and the penalties are taken at the data point 0 and the fake point θ."""

    loss: str = spec("ns", choices=LOSSES, help="GAN loss from the registry")
    mode: str = spec("simultaneous", choices=MODES,
                     help="simultaneous: both players step from the same point; alternating: D first, then G sees the new D")
    lr_d: float = spec(0.1, min=0, min_exclusive=True, max=10, help="discriminator step size (TTUR if != lr_g)")
    lr_g: float = spec(0.1, min=0, min_exclusive=True, max=10, help="generator step size")
    momentum: float = spec(0.0, min=-0.9, max=0.99,
                           help="heavy-ball momentum of both players; negative values damp the rotation (Gidel et al. 2019)")
    noise_std: float = spec(0.0, min=0, max=10,
                            help="instance noise: std of the Gaussian noise added to real and fake samples before D")
    steps: int = spec(300, min=1, max=100_000, help="number of D+G updates")
    start_psi: float = spec(1.0, min=-100, max=100, help="initial discriminator parameter")
    start_theta: float = spec(1.0, min=-100, max=100, help="initial generator parameter")

    @property
    def game(self) -> "Game":
        loss = LOSSES[self.loss]
        return Game(self.loss,
                    loss.gp_weight if self.gp_weight is None else self.gp_weight,
                    self.r1_weight,
                    loss.weight_clip if self.weight_clip is None else self.weight_clip,
                    self.noise_std)


@dataclass(frozen=True)
class Game:
    """The resolved game: a registry loss plus the regularisers actually applied to D."""

    loss: str
    gp_weight: float = 0.0
    r1_weight: float = 0.0
    weight_clip: float = 0.0
    noise_std: float = 0.0

    @functools.cached_property
    def noise_nodes(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Instance-noise draws ε_k and their weights w_k (summing to 1): E[h(ε)] = Σ_k w_k h(ε_k).

        Gauss-Hermite quadrature of N(0, σ²) rather than random draws: the field stays deterministic,
        the nodes are symmetric, so E[ε] = 0 exactly and the equilibrium stays exactly at (0, 0), and
        every moment up to degree 2K-1 is exact, so the damping σ² brings near the equilibrium (and the
        whole expectation of the polynomial losses, WGAN and LSGAN) is exact. With 64 nodes the
        softplus losses are exact to 1e-11 for |ψσ| <= 2 and to 2e-3 at |ψσ| = 10; the hinge loss's
        kink converges only algebraically (6e-3 at |ψσ| ≈ 2; tests compare with a fine grid over
        independent real and fake noise). Without noise: one node, ε = 0.
        """
        if not self.noise_std:
            return torch.zeros(1, dtype=DTYPE), torch.ones(1, dtype=DTYPE)
        nodes, weights = np.polynomial.hermite_e.hermegauss(NOISE_NODES)
        return (torch.tensor(self.noise_std * nodes, dtype=DTYPE),
                torch.tensor(weights / weights.sum(), dtype=DTYPE))

    def _logits(self, psi: torch.Tensor, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits on the noisy real point 0 + ε_k and the noisy fake point θ + ε_k: (N, K) each.

        Real and fake share node k: every registry D loss is a mean over real logits plus a mean
        over fake logits, so Σ_k w_k [r(ψε_k) + f(ψ(θ + ε_k))] is exactly the expectation over
        independent real and fake noise."""
        eps = self.noise_nodes[0]
        return psi[:, None] * eps, psi[:, None] * (theta[:, None] + eps)

    def losses(self, psi: torch.Tensor, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-point (D's loss, G's loss) of the unregularised game, expected over the instance
        noise, each of shape psi.shape."""
        loss, weights = LOSSES[self.loss], self.noise_nodes[1]
        real, fake = self._logits(psi.reshape(-1), theta.reshape(-1))
        flat = lambda t: t.reshape(-1, 1)
        d = torch.vmap(lambda r, f: loss.d(r, f))(flat(real), flat(fake)).reshape(real.shape) @ weights
        g = torch.vmap(loss.g)(flat(fake)).reshape(fake.shape) @ weights
        return d.reshape(psi.shape), g.reshape(psi.shape)

    def _weighted(self, logits: torch.Tensor) -> torch.Tensor:
        """The same logits, whose gradient comes back multiplied by N·K·w_k.

        A registry loss is a mean over its N·K samples, so N·K·∂(mean)/∂logit is each sample's own
        derivative; scaled by the node weight w_k, one backward pass through the mean gives every
        point's own ∂/∂ψ (or ∂/∂θ) of Σ_k w_k ℓ(logit_k). The forward values are untouched
        (x - x.detach() is exactly 0). A per-sample loss through vmap, weighted, then summed, gives
        the same numbers at ~3x the cost per gradient, which trajectories of 20,000 steps feel."""
        scale = logits.numel() * self.noise_nodes[1]
        return logits.detach() + (logits - logits.detach()) * scale

    def grad_d(self, psi: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """∂/∂ψ of D's regularised loss at every point (the generator held fixed)."""
        psi = psi.detach().reshape(-1).requires_grad_(True)
        theta = theta.detach().reshape(-1)
        real, fake = map(self._weighted, self._logits(psi, theta))
        total = LOSSES[self.loss].d(real, fake)
        # D is linear: its input gradient is ψ wherever it is taken, so the penalties ignore the noise;
        # each is a mean over the N points, so N·∂(mean)/∂ψ_i is point i's own gradient
        critic = lambda x: psi * x[:, 0]
        at_real, at_fake, n = torch.zeros(len(psi), 1, dtype=psi.dtype), theta[:, None], len(psi)
        if self.gp_weight:
            rng = torch.Generator().manual_seed(0)
            total = total + n * self.gp_weight * gradient_penalty(critic, at_real, at_fake, rng)
        if self.r1_weight:
            total = total + n * self.r1_weight * r1_penalty(critic, at_real)
        (grad,) = torch.autograd.grad(total, psi)
        return grad

    def grad_g(self, psi: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """∂/∂θ of G's loss at every point (the discriminator held fixed)."""
        theta = theta.detach().reshape(-1).requires_grad_(True)
        fake = self._weighted(self._logits(psi.detach().reshape(-1), theta)[1])
        (grad,) = torch.autograd.grad(LOSSES[self.loss].g(fake), theta)
        return grad


def _grid(extent: float, resolution: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if not extent > 0 or not math.isfinite(extent):
        raise ValueError(f"extent: must be a positive number, got {extent!r}")
    if not 2 <= resolution <= 2000:
        raise ValueError(f"resolution: must be between 2 and 2000, got {resolution!r}")
    axis = symmetric_axis(extent, resolution, DTYPE)
    psi, theta = torch.meshgrid(axis, axis, indexing="ij")
    return axis, psi, theta


def landscape(config: DiracConfig, extent: float = 2.0, resolution: int = 200) -> dict[str, np.ndarray]:
    """The value surface and the vector field on a square grid, ready to plot.

    Arrays of shape (resolution, resolution) are indexed ``[i_psi, j_theta]`` (rows: D's
    parameter ψ, columns: G's parameter θ). ``value`` is V = -L_D, what D climbs (in the zero-sum
    minimax and WGAN games G descends it); ``g_loss`` is what G descends. ``field_psi`` and
    ``field_theta`` are one plain simultaneous step, (-lr_d ∂ψ L_D, -lr_g ∂θ L_G), regularisers
    included: the flow the trajectories follow.
    """
    axis, psi, theta = _grid(extent, resolution)
    game = config.game
    d_loss, g_loss = game.losses(psi, theta)
    field_psi = -config.lr_d * game.grad_d(psi, theta).reshape(psi.shape)
    field_theta = -config.lr_g * game.grad_g(psi, theta).reshape(psi.shape)
    return {"psi": axis.numpy(), "theta": axis.numpy(), "value": (-d_loss).numpy(), "g_loss": g_loss.numpy(),
            "field_psi": field_psi.numpy(), "field_theta": field_theta.numpy()}


def trajectory(config: DiracConfig) -> dict[str, np.ndarray | Verdict]:
    """Gradient descent-ascent from (start_psi, start_theta): ``steps + 1`` points.

    Each player keeps a heavy-ball velocity v <- m·v - lr·grad, p <- p + v. Simultaneous: both
    gradients are taken at the current point. Alternating: D steps first and G's gradient is
    taken at the new ψ. Weight clipping projects ψ back into [-c, c] after D's step. ``verdict``
    is :func:`verdict` of the path.
    """
    game = config.game
    psi = torch.tensor([config.start_psi], dtype=DTYPE)
    theta = torch.tensor([config.start_theta], dtype=DTYPE)
    vel_psi, vel_theta = torch.zeros_like(psi), torch.zeros_like(theta)
    path = [(psi.item(), theta.item())]
    for _ in range(config.steps):
        g_psi = game.grad_d(psi, theta)
        if config.mode == "simultaneous":
            g_theta = game.grad_g(psi, theta)
        vel_psi = config.momentum * vel_psi - config.lr_d * g_psi
        psi = psi + vel_psi
        if game.weight_clip:
            psi = psi.clamp(-game.weight_clip, game.weight_clip)
        if config.mode == "alternating":
            g_theta = game.grad_g(psi, theta)
        vel_theta = config.momentum * vel_theta - config.lr_g * g_theta
        theta = theta + vel_theta
        point = (psi.item(), theta.item())
        if not (math.isfinite(point[0]) and math.isfinite(point[1])):
            break  # overflowed: the path ends at its last finite point
        path.append(point)
    points = torch.tensor(path, dtype=DTYPE)
    d_loss, g_loss = game.losses(points[:, 0], points[:, 1])
    distance = points.norm(dim=1).numpy()
    return {"step": np.arange(len(path)), "psi": points[:, 0].numpy(), "theta": points[:, 1].numpy(),
            "distance": distance, "d_loss": d_loss.numpy(), "g_loss": g_loss.numpy(),
            "verdict": verdict(points[:, 0].numpy(), points[:, 1].numpy(), overflowed=len(path) <= config.steps)}


@dataclass(frozen=True)
class Verdict:
    """What a trajectory does over the last half of its run (the window), with its numbers.

    ``kind``: converging, orbiting, diverging or stalled (see :func:`verdict`). ``rate``: the
    least-squares slope of log(distance to the equilibrium) per step over the window (< 0: falling).
    ``radius``, ``low``, ``high``: the distance's mean and range over the window (an orbit's radius
    and band, or where a stalled path rests). ``turns``: revolutions round the equilibrium in the
    window. ``reached``: the step at which the distance fell below FLOOR x its start (the window then
    ends just before it), or None.
    """

    kind: str
    rate: float
    radius: float
    low: float
    high: float
    start: int
    end: int
    turns: float
    reached: int | None = None

    def describe(self) -> str:
        """One sentence with the numbers, as the CLI prints it and the page shows it."""
        steps = f"steps {self.start:,}-{self.end:,}"
        band = f"distance {self.radius:.4g} (between {self.low:.4g} and {self.high:.4g}) over {steps}"
        if self.kind == "orbiting":
            return (f"orbiting: bounded and not falling, {band}, {self.turns:,.1f} turns round the equilibrium "
                    f"(log-distance rate {self.rate:+.1e} per step)")
        if self.kind == "stalled":
            return f"stalled: at rest away from the equilibrium, {band}"
        if self.reached == 0:
            return "converging: at the equilibrium from the start"
        text = f"{self.kind}: log-distance {'falls' if self.rate < 0 else 'grows'} {abs(self.rate):.3g} per step over {steps}"
        if self.rate:
            text += f" (the distance {'halves' if self.rate < 0 else 'doubles'} every {math.log(2) / abs(self.rate):,.0f} steps)"
        if self.reached is not None:
            text += f"; at the equilibrium to float64 precision from step {self.reached:,}"
        return text


def verdict(psi: np.ndarray, theta: np.ndarray, overflowed: bool = False) -> Verdict:
    """converging / orbiting / diverging / stalled, from the dynamics of the run's last half.

    The window is the last half of the path (up to where it reaches the equilibrium to float64
    precision, FLOOR x the start distance: that is converging). Within it, the distance's range
    over the last quarter is compared with its range over the first quarter: wholly below means
    falling (converging), wholly above growing (diverging), whatever it does within each turn;
    ranges that overlap mean bounded and not falling. A bounded path whose steps shrink to nothing
    (or below AT_REST of its distance) has come to rest away from the equilibrium: stalled
    (LSGAN's linear D cannot output the real target at x = 0, so every point with ψ = 0 is
    stationary; WGAN-GP's penalty, centred at |ψ| = 1, holds ψ at 0⁺ where θ = 2γ). An orbit's
    band does not move as the run gets longer, so the verdict does not flip with the horizon once
    the transient is over; ``rate`` says how fast.
    """
    distance = np.hypot(psi, theta)
    below = np.flatnonzero(distance <= FLOOR * distance[0])
    reached = int(below[0]) if below.size else None
    n = len(distance) if reached is None else max(reached, 1)  # the floor itself may be 0: log(0)
    window = slice(min(n // 2, max(n - 2, 0)), n)              # at least 2 points when there are 2
    psi, theta, d, steps = psi[window], theta[window], distance[window], np.arange(len(distance))[window]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # an overflowing path's huge numbers
        kind = "diverging" if overflowed else "converging" if reached is not None else _kind(psi, theta, d)
        return Verdict(kind, rate=_log_slope(steps, d), radius=float(d.mean()), low=float(d.min()),
                       high=float(d.max()), start=int(steps[0]), end=int(steps[-1]), turns=_turns(psi, theta),
                       reached=reached)


def _kind(psi: np.ndarray, theta: np.ndarray, distance: np.ndarray) -> str:
    """The verdict of a window that neither overflowed nor reached the equilibrium."""
    speed = np.hypot(np.diff(psi), np.diff(theta)) / distance[1:]  # per step, relative to the distance
    if len(speed) and speed[-_quarter(speed):].max() < AT_REST:
        return "stalled"
    shift = _band_shift(np.log(distance))
    if shift:
        return "diverging" if shift > 0 else "converging"
    return "stalled" if len(speed) and _band_shift(np.log(speed)) < 0 else "orbiting"


def _quarter(values: np.ndarray) -> int:
    return max(1, len(values) // 4)


def _band_shift(values: np.ndarray, tolerance: float = 1e-9) -> int:
    """+1 if the values' range over the last quarter lies wholly above their range over the first
    quarter (by more than ``tolerance``: float64 round-off of a path at rest), -1 if wholly below,
    0 if the two overlap: a periodic wobble of any shape keeps the same range in both."""
    q = _quarter(values)
    first, last = values[:q], values[-q:]
    if last.min() > first.max() + tolerance:
        return 1
    if last.max() < first.min() - tolerance:
        return -1
    return 0


def _log_slope(steps: np.ndarray, distance: np.ndarray) -> float:
    """Least-squares slope of log(distance) against the step (0 for fewer than 2 finite points)."""
    y = np.log(distance)
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return 0.0
    x = steps[ok] - steps[ok].mean()
    return float((x * (y[ok] - y[ok].mean())).sum() / (x * x).sum())


def _turns(psi: np.ndarray, theta: np.ndarray) -> float:
    """Revolutions round the equilibrium (net, either direction)."""
    angle = np.unwrap(np.arctan2(psi, theta))
    return float(abs(angle[-1] - angle[0]) / (2 * math.pi))
