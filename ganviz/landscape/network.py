"""A 2D slice of a live GAN's loss landscape (Li et al. 2018, "Visualizing the Loss Landscape
of Neural Nets").

Two random directions δ, η in one player's parameter space are *filter-normalised*: each row
of a weight (a neuron, or a convolution's output channel) is rescaled to the norm of the same
row of the current weights, so the picture does not depend on the arbitrary scale of each
layer; 1-D parameters (biases, norm layers) get no direction. The loss L(w + αδ + βη) is then
evaluated on an α, β grid, every point at once with ``torch.func.functional_call`` under
``torch.vmap``. The other player, the data batch and the latent codes stay fixed, and both
networks run in eval mode (dropout off, batch norm on running statistics), so the surface is a
deterministic function of α and β and its centre is the current loss on that batch. The loss
is the registry's (``LOSSES[config.loss]``) on D's output; a remedy's own objective for G
(feature matching, unrolling) is not what is sliced.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from ganviz.config import TrainConfig
from ganviz.training import Trainer
from ganviz.training.losses import LOSSES

PLAYERS = ("discriminator", "generator")
DEMO_CHANGES = {"model.width": 64, "batch_size": 128}  # a small MLP GAN on the default 8-Gaussian ring
DEMO_STEPS = 300


@dataclass
class SliceProblem:
    """A frozen copy of what a slice needs, cheap to take while training holds the networks."""

    player: str
    generator: nn.Module
    discriminator: nn.Module
    loss: str
    real_target: float
    real: torch.Tensor
    real_y: torch.Tensor | None
    z: torch.Tensor
    fake_y: torch.Tensor | None
    fake: torch.Tensor  # G(z) at the snapshot, what D is judged on
    step: int

    @property
    def module(self) -> nn.Module:
        return self.discriminator if self.player == "discriminator" else self.generator

    def objective(self, params: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """The player's loss with its parameters replaced by ``params`` (the current ones if None)."""
        loss = LOSSES[self.loss]
        if self.player == "discriminator":
            d = (lambda x, y: functional_call(self.discriminator, params, (x, y))) if params else self.discriminator
            return loss.d(d(self.real, self.real_y), d(self.fake, self.fake_y), self.real_target)
        fake = functional_call(self.generator, params, (self.z, self.fake_y)) if params else self.generator(self.z, self.fake_y)
        return loss.g(self.discriminator(fake, self.fake_y))


def snapshot(trainer, player: str = "discriminator", batch_size: int = 256, seed: int = 0) -> SliceProblem:
    """Copy the trainer's networks and draw a fixed batch; pass to ``TrainingWorker.call`` so
    the copy is taken between training chunks, then compute the slice outside the lock."""
    if player not in PLAYERS:
        raise ValueError(f"player: must be one of {', '.join(PLAYERS)}; got {player!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size: must be >= 1, got {batch_size}")
    frozen = lambda m: copy.deepcopy(m).eval().requires_grad_(False)
    rng = torch.Generator(trainer.device).manual_seed(seed)
    batch = trainer.dataset.sample(batch_size, rng)
    real, real_y = batch if isinstance(batch, tuple) else (batch, None)
    z = torch.randn(batch_size, trainer.config.model.latent_dim, generator=rng, device=trainer.device)
    classes = trainer.num_classes
    fake_y = torch.randint(classes, (batch_size,), generator=rng, device=trainer.device) if classes else None
    generator, discriminator = frozen(trainer.generator), frozen(trainer.discriminator)
    with torch.no_grad():
        fake = generator(z, fake_y)
    return SliceProblem(player, generator, discriminator, trainer.config.loss, trainer.real_target,
                        real, real_y if classes else None, z, fake_y, fake, trainer.step_count)


def train_demo(progress: Callable[[int, int], None] | None = None, chunk: int = 50) -> Trainer:
    """The small toy GAN the landscape page slices when no GAN is training in the session:
    ``DEMO_STEPS`` updates of the default config with ``DEMO_CHANGES``; ``progress(step, steps)``
    is called after each ``chunk`` of updates."""
    trainer = Trainer(TrainConfig().replace(**DEMO_CHANGES))
    while trainer.step_count < DEMO_STEPS:
        trainer.step(min(chunk, DEMO_STEPS - trainer.step_count))
        if progress is not None:
            progress(trainer.step_count, DEMO_STEPS)
    return trainer


def filter_normalised_direction(params: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
    """A Gaussian direction with each weight row scaled to that row's norm in ``params``."""
    direction = {}
    for name, w in params.items():
        if w.dim() <= 1:
            direction[name] = torch.zeros_like(w)
            continue
        d = torch.randn(w.shape, generator=generator, device=w.device, dtype=w.dtype)
        rows, d_rows = w.flatten(1), d.flatten(1)
        scale = rows.norm(dim=1, keepdim=True) / (d_rows.norm(dim=1, keepdim=True) + 1e-10)
        direction[name] = (d_rows * scale).view_as(w)
    return direction


def symmetric_axis(half_width: float, points: int, dtype=torch.float32) -> torch.Tensor:
    """``points`` evenly spaced values over [-half_width, half_width], symmetric, with an exact 0
    in the middle when ``points`` is odd (linspace's rounding would put it at ±1e-8)."""
    offsets = torch.arange(points, dtype=torch.float64) - (points - 1) / 2
    return (offsets * (2 * half_width / (points - 1))).to(dtype)


@torch.no_grad()
def loss_slice(problem: SliceProblem, resolution: int = 21, span: float = 1.0, seed: int = 0,
               chunk: int = 64, progress: Callable[[float], None] | None = None) -> dict:
    """L on the plane w + αδ + βη for α, β in [-span, span]: ``loss[i, j]`` is at (alpha[i], beta[j]).

    ``chunk`` grid points run per vmap call (memory grows with it); ``progress`` gets the
    fraction done after each chunk. An odd resolution puts a grid point on the current weights.
    """
    if not 2 <= resolution <= 201:
        raise ValueError(f"resolution: must be between 2 and 201, got {resolution}")
    if not span > 0:
        raise ValueError(f"span: must be > 0, got {span}")
    module = problem.module
    base = {name: p.detach() for name, p in module.named_parameters() if p.dim() > 1}
    device = next(iter(base.values())).device
    rng = torch.Generator(device).manual_seed(seed)
    delta = filter_normalised_direction(base, rng)
    eta = filter_normalised_direction(base, rng)
    axis = symmetric_axis(span, resolution).to(device)
    alpha, beta = (t.reshape(-1) for t in torch.meshgrid(axis, axis, indexing="ij"))

    def at(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return problem.objective({k: w + a * delta[k] + b * eta[k] for k, w in base.items()})

    batched = torch.vmap(at)
    values = []
    for start in range(0, alpha.numel(), chunk):
        values.append(batched(alpha[start:start + chunk], beta[start:start + chunk]))
        if progress is not None:
            progress(min(start + chunk, alpha.numel()) / alpha.numel())
    surface = torch.cat(values).view(resolution, resolution)
    return {"alpha": axis.cpu().numpy(), "beta": axis.cpu().numpy(), "loss": surface.float().cpu().numpy(),
            "center_loss": float(problem.objective()), "player": problem.player, "step": problem.step,
            "loss_name": problem.loss}
