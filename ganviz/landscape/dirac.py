"""The Dirac-GAN (Mescheder, Geiger & Nowozin 2018): the smallest GAN that still spirals.

Real data is a point mass at 0, the generator outputs one number, G(z) = θ, and the
discriminator is linear, D(x) = ψ·x (a logit). Every loss in the registry has its equilibrium at
(ψ, θ) = (0, 0), where the fakes sit on the data and D says nothing. Near that point the
gradient field of the unregularised game is a rotation, so plain simultaneous gradient steps
spiral *outwards*; alternating steps orbit; a penalty on D's input gradient (R1) adds damping
and makes the equilibrium attract.

The losses and penalties are the registry's own functions (:data:`ganviz.losses.LOSSES`,
:mod:`ganviz.regularizers`), evaluated on a whole grid of parameter points in one pass: each
of those functions is a *mean over samples*, and here sample i is parameter point i, so points
never interact and N·∂(mean)/∂ψ_i is point i's own gradient. One backward pass gives the
entire vector field.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ganviz.config import Config, spec
from ganviz.landscape.network import symmetric_axis
from ganviz.losses import LOSSES
from ganviz.regularizers import gradient_penalty, r1_penalty

DTYPE = torch.float64  # trajectories of thousands of steps: keep round-off out of the picture
MODES = ["simultaneous", "alternating"]


@dataclass
class DiracConfig(Config):
    """One Dirac-GAN experiment: the game (loss, regularisers) and the optimiser that plays it."""

    loss: str = spec("ns", choices=lambda: list(LOSSES), help="GAN loss from the registry")
    mode: str = spec("simultaneous", choices=MODES,
                     help="simultaneous: both players step from the same point; alternating: D first, then G sees the new D")
    lr_d: float = spec(0.1, min=0, min_exclusive=True, max=10, help="discriminator step size (TTUR if != lr_g)")
    lr_g: float = spec(0.1, min=0, min_exclusive=True, max=10, help="generator step size")
    momentum: float = spec(0.0, min=-0.9, max=0.99,
                           help="heavy-ball momentum of both players; negative values damp the rotation (Gidel et al. 2019)")
    gp_weight: float | None = spec(None, min=0, max=1e3, optional=True,
                                   help="WGAN-GP penalty (||grad_x D|| - 1)^2 weight (empty: the loss's default)")
    r1_weight: float = spec(0.0, min=0, max=1e3, help="R1 penalty 0.5 ||grad_x D(real)||^2 weight")
    weight_clip: float | None = spec(None, min=0, max=100, optional=True,
                                     help="clip psi to [-c, c] after each D step (empty: the loss's default)")
    steps: int = spec(300, min=1, max=100_000, help="number of D+G updates")
    start_psi: float = spec(1.0, min=-100, max=100, help="initial discriminator parameter")
    start_theta: float = spec(1.0, min=-100, max=100, help="initial generator parameter")

    @property
    def game(self) -> "Game":
        loss = LOSSES[self.loss]
        return Game(self.loss,
                    loss.gp_weight if self.gp_weight is None else self.gp_weight,
                    self.r1_weight,
                    loss.weight_clip if self.weight_clip is None else self.weight_clip)


@dataclass(frozen=True)
class Game:
    """The resolved game: a registry loss plus the regularisers actually applied to D."""

    loss: str
    gp_weight: float = 0.0
    r1_weight: float = 0.0
    weight_clip: float = 0.0

    def losses(self, psi: torch.Tensor, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-point (D's loss, G's loss) of the unregularised game, each of shape psi.shape."""
        loss = LOSSES[self.loss]
        real, fake = torch.zeros_like(psi), psi * theta  # D(0) = 0, D(θ) = ψθ
        flat = lambda t: t.reshape(-1, 1)
        d = torch.vmap(lambda r, f: loss.d(r, f))(flat(real), flat(fake))
        g = torch.vmap(loss.g)(flat(fake))
        return d.reshape(psi.shape), g.reshape(psi.shape)

    def grad_d(self, psi: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """∂/∂ψ of D's regularised loss at every point (the generator held fixed)."""
        psi = psi.detach().reshape(-1).requires_grad_(True)
        theta = theta.detach().reshape(-1)
        n = psi.numel()
        critic = lambda x: psi * x[:, 0]
        real, fake = torch.zeros(n, 1, dtype=psi.dtype), theta[:, None]
        total = LOSSES[self.loss].d(critic(real), critic(fake))
        if self.gp_weight:
            rng = torch.Generator().manual_seed(0)  # D is linear: its input gradient is ψ wherever it is taken
            total = total + self.gp_weight * gradient_penalty(critic, real, fake, rng)
        if self.r1_weight:
            total = total + self.r1_weight * r1_penalty(critic, real)
        (grad,) = torch.autograd.grad(total, psi)
        return grad * n

    def grad_g(self, psi: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """∂/∂θ of G's loss at every point (the discriminator held fixed)."""
        theta = theta.detach().reshape(-1).requires_grad_(True)
        psi = psi.detach().reshape(-1)
        (grad,) = torch.autograd.grad(LOSSES[self.loss].g(psi * theta), theta)
        return grad * theta.numel()


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


def trajectory(config: DiracConfig) -> dict[str, np.ndarray | str]:
    """Gradient descent-ascent from (start_psi, start_theta): ``steps + 1`` points.

    Each player keeps a heavy-ball velocity v <- m·v - lr·grad, p <- p + v. Simultaneous: both
    gradients are taken at the current point. Alternating: D steps first and G's gradient is
    taken at the new ψ. Weight clipping projects ψ back into [-c, c] after D's step.
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
            "verdict": verdict(points[:, 0].numpy(), points[:, 1].numpy())}


def verdict(psi: np.ndarray, theta: np.ndarray) -> str:
    """converges / stalls / cycles / diverges, from a trajectory's points.

    Converges: ends within 5% of its starting distance to the equilibrium (or 1e-3). Diverges:
    ends more than 1.5x farther out, or blows up. Stalls: comes to rest somewhere else (LSGAN's
    linear D cannot output the real target at x = 0, so every point with ψ = 0 is stationary).
    Otherwise it neither approaches nor escapes: it cycles.
    """
    distance = np.hypot(psi, theta)
    start, end = float(distance[0]), float(distance[-1])
    if not np.isfinite(distance).all() or end > 1.5 * start + 1e-3:
        return "diverges"
    if end < max(0.05 * start, 1e-3):
        return "converges"
    last = np.hypot(np.diff(psi[-11:]), np.diff(theta[-11:]))
    if len(last) and last.max() < 1e-5 * max(start, 1.0):
        return "stalls"
    return "cycles"
