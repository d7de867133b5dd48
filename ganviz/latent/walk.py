"""Walking a generator's latent space: seeded samples, interpolation, principal directions.

- Every sample has its own seed: ``seeded_latents([s])[0]`` is the same vector wherever it is
  drawn, so a sample picked out of a grid can be reproduced alone.
- ``lerp`` moves along the chord between two latents; its midpoint of two independent Gaussian
  vectors has only ~1/sqrt(2) of their norm, a region the generator never saw in training.
  ``slerp`` moves along the great circle instead and interpolates the norm linearly, so the path
  stays on the shell where the prior puts its mass (White, "Sampling Generative Networks", 2016).
- ``pca_directions`` follows GANSpace (Härkönen et al. 2020): sample many z, take PCA of an early
  activation of G, then regress z on the PCA coordinates to turn each component into a latent
  direction. Moving along the first few changes the image in its largest ways.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

ACTIVATION_TYPES = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.Tanh, nn.SiLU)


def seeded_latents(seeds, dim: int) -> torch.Tensor:
    """(len(seeds), dim) standard normal vectors; row i depends on seeds[i] alone."""
    return torch.stack([torch.randn(dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds])


def sample_latents(n: int, dim: int, seed: int = 0) -> torch.Tensor:
    """n latents with seeds seed, seed+1, ..., seed+n-1."""
    return seeded_latents(range(seed, seed + n), dim)


def _steps(t) -> torch.Tensor:
    return torch.linspace(0, 1, t) if isinstance(t, int) else torch.as_tensor(t, dtype=torch.float32).flatten()


def lerp(a: torch.Tensor, b: torch.Tensor, t) -> torch.Tensor:
    """Linear interpolation: (T, *a.shape) for t a list of fractions or a number of even steps."""
    t = _steps(t).view(-1, *([1] * a.ndim))
    return torch.where(t == 1, b, a + t * (b - a))


def slerp(a: torch.Tensor, b: torch.Tensor, t, eps: float = 1e-6) -> torch.Tensor:
    """Spherical interpolation: the direction turns along the great circle from a to b at constant
    angular speed while the norm goes linearly from |a| to |b| (constant when |a| = |b|).
    Endpoints are exactly a and b; (anti)parallel vectors, whose plane is undefined, fall back to lerp."""
    t = _steps(t)
    shape = a.shape
    a, b = a.flatten().double(), b.flatten().double()
    na, nb = a.norm(), b.norm()
    ua, ub = a / na.clamp_min(eps), b / nb.clamp_min(eps)
    omega = torch.arccos((ua @ ub).clamp(-1, 1))
    if na < eps or nb < eps or torch.sin(omega) < eps:
        return lerp(a.float().view(shape), b.float().view(shape), t)
    td = t.double()[:, None]
    direction = (torch.sin((1 - td) * omega) * ua + torch.sin(td * omega) * ub) / torch.sin(omega)
    out = (direction * ((1 - td) * na + td * nb)).float().view(len(t), *shape)
    out[t == 0] = a.float().view(shape)
    out[t == 1] = b.float().view(shape)
    return out


INTERPOLATIONS = {"linear": lerp, "slerp": slerp}


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "slerp") -> torch.Tensor:
    if method not in INTERPOLATIONS:
        raise ValueError(f"method: must be one of {', '.join(INTERPOLATIONS)}; got {method!r}")
    if steps < 2:
        raise ValueError(f"steps: need at least 2 (the two endpoints), got {steps}")
    return INTERPOLATIONS[method](a, b, steps)


# -- GANSpace-style principal directions ---------------------------------------------------------
@dataclass
class Directions:
    """Unit latent directions (k, latent_dim), best first, and what each explains."""
    vectors: torch.Tensor
    explained: np.ndarray  # fraction of the feature variance each principal component holds
    layer: str             # the module whose activations were analysed


def _first_activation(module: nn.Module) -> tuple[str, nn.Module]:
    for name, child in module.named_modules():
        if isinstance(child, ACTIVATION_TYPES):
            return name, child
    raise ValueError("generator: no activation layer to analyse (expected a ReLU/LeakyReLU/... early in G)")


@torch.no_grad()
def early_features(generator, z: torch.Tensor, y=None, batch_size: int = 500) -> tuple[torch.Tensor, str]:
    """(N, F) activations of the generator's first activation layer for latents z, and its name.
    The forward pass stops at that layer, so analysing a large generator stays cheap."""
    name, layer = _first_activation(generator.module)
    captured = []

    def grab(_module, _inputs, output):
        captured.append(output.detach().flatten(1).float().cpu())
        raise _Captured

    handle = layer.register_forward_hook(grab)
    try:
        for i in range(0, len(z), batch_size):
            try:
                generator.generate(z[i:i + batch_size], None if y is None else y[i:i + batch_size])
            except _Captured:
                pass
    finally:
        handle.remove()
    return torch.cat(captured), name


class _Captured(Exception):
    """Raised by the feature hook to end a forward pass early."""


@torch.no_grad()
def pca_directions(generator, k: int = 8, n: int = 2000, seed: int = 0) -> Directions:
    """k latent directions along which the early features vary most (GANSpace).

    Conditional generators are analysed over random classes, so the directions capture what
    varies *within* a class (style, slant, thickness) rather than the class itself. Each
    direction's sign is fixed (largest coordinate positive) so sliders mean the same every run.
    """
    if not 1 <= k <= generator.latent_dim:
        raise ValueError(f"k: must be in 1..{generator.latent_dim}, got {k}")
    if n <= k:
        raise ValueError(f"n: need more samples than directions, got n={n}, k={k}")
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.latent_dim, generator=rng)
    y = torch.randint(generator.num_classes, (n,), generator=rng) if generator.conditional else None
    features, layer = early_features(generator, z, y)
    centred = features - features.mean(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        _, s, v = torch.svd_lowrank(centred, q=min(k + 10, *centred.shape), niter=4)
    coords = centred @ v[:, :k]                                           # (n, k) PCA coordinates
    # regress z on the PCA coordinates: z ~ coords @ u, each row of u a latent direction
    u = torch.linalg.lstsq(coords.double(), z.double()).solution.float()  # (k, latent_dim)
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)
    sign = torch.sign(u.gather(1, u.abs().argmax(1, keepdim=True)))
    explained = (s[:k] ** 2 / centred.pow(2).sum()).numpy()
    return Directions(u * sign, explained, layer)


def move(z: torch.Tensor, vectors: torch.Tensor, amounts) -> torch.Tensor:
    """z plus sum_k amounts[k] * vectors[k] (amounts in units of the prior's standard deviation)."""
    amounts = torch.as_tensor(amounts, dtype=z.dtype)
    return z + amounts @ vectors[:len(amounts)]
