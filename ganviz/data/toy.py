"""2D toy distributions: Gaussian mixtures (ring, grid, user-drawn) and continuous shapes.

Samplers take an explicit ``torch.Generator`` so that two trainers interleaved in one process
(the side-by-side view) stay independent and reproducible.
"""
from __future__ import annotations

import math

import torch


class ToyDataset:
    """A 2D distribution that can be sampled on any device."""

    kind = "toy"
    shape = (2,)
    num_classes = 0

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    def to(self, device) -> "ToyDataset":
        return self

    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) that frames the data with a margin, for plots and grids."""
        pts = self.sample(4096, torch.Generator().manual_seed(0)).cpu()
        lo, hi = pts.min(0).values, pts.max(0).values
        pad = 0.25 * float((hi - lo).max()) + 0.1
        return float(lo[0]) - pad, float(hi[0]) + pad, float(lo[1]) - pad, float(hi[1]) + pad


class GaussianMixture(ToyDataset):
    """Equal-weight isotropic mixture; the means and std are what the mode metrics score against."""

    def __init__(self, means: torch.Tensor, std: float):
        self.means = torch.as_tensor(means, dtype=torch.float32).reshape(-1, 2)
        self.std = float(std)

    @property
    def num_modes(self) -> int:
        return len(self.means)

    def to(self, device) -> "GaussianMixture":
        self.means = self.means.to(device)
        return self

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        dev = self.means.device
        idx = torch.randint(len(self.means), (n,), generator=generator, device=generator.device).to(dev)
        noise = torch.randn(n, 2, generator=generator, device=generator.device).to(dev)
        return self.means[idx] + self.std * noise


class Spiral(ToyDataset):
    def __init__(self, radius: float, noise: float, turns: float = 1.5):
        self.radius, self.noise, self.turns = radius, noise, turns

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        t = torch.rand(n, generator=generator, device=generator.device).sqrt()
        angle = 2 * math.pi * self.turns * t
        pts = torch.stack([t * angle.cos(), t * angle.sin()], 1) * self.radius
        return pts + self.noise * torch.randn(n, 2, generator=generator, device=generator.device)


class TwoMoons(ToyDataset):
    def __init__(self, radius: float, noise: float):
        self.radius, self.noise = radius, noise

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        g = generator
        upper = torch.rand(n, generator=g, device=g.device) < 0.5
        angle = math.pi * torch.rand(n, generator=g, device=g.device)
        x = torch.where(upper, angle.cos(), 1 - angle.cos())
        y = torch.where(upper, angle.sin(), 0.5 - angle.sin())
        pts = torch.stack([x - 0.5, y - 0.25], 1) * self.radius
        return pts + self.noise * torch.randn(n, 2, generator=g, device=g.device)


def ring(n_modes: int, radius: float, std: float) -> GaussianMixture:
    # endpoint excluded: the original unrolled-GAN notebook's linspace(0, 2pi, 8) gave 7 modes
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    return GaussianMixture(torch.stack([angles.cos(), angles.sin()], 1) * radius, std)


def grid(side: int, spacing: float, std: float) -> GaussianMixture:
    ticks = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * spacing
    xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")
    return GaussianMixture(torch.stack([xs.flatten(), ys.flatten()], 1), std)
