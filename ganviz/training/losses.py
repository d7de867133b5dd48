"""The loss registry. Each GAN loss is two small functions on discriminator *logits*:

``d(real, fake, real_target)`` — the discriminator's loss (``real_target`` < 1 is one-sided
label smoothing) and ``g(fake)`` — the generator's loss. A new loss is two functions here plus
one line in ``LOSSES`` (the registry the config's ``loss`` field names, filled here).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ganviz.config import LOSSES

Tensor = torch.Tensor


def bce_d(real: Tensor, fake: Tensor, real_target: float = 1.0) -> Tensor:
    """-[t log D(x) + (1-t) log(1-D(x))] - log(1 - D(G(z))), with log D = -softplus(-logit)."""
    real_term = real_target * F.softplus(-real) + (1 - real_target) * F.softplus(real)
    return real_term.mean() + F.softplus(fake).mean()


def minimax_g(fake: Tensor) -> Tensor:
    """The original, saturating objective: minimise log(1 - D(G(z))) = -softplus(logit).
    Its gradient vanishes where D confidently rejects the fakes (D(G(z)) -> 0)."""
    return -F.softplus(fake).mean()


def non_saturating_g(fake: Tensor) -> Tensor:
    """Goodfellow's fix: maximise log D(G(z)), i.e. minimise softplus(-logit)."""
    return F.softplus(-fake).mean()


def wasserstein_d(real: Tensor, fake: Tensor, real_target: float = 1.0) -> Tensor:
    return fake.mean() - real.mean()


def wasserstein_g(fake: Tensor) -> Tensor:
    return -fake.mean()


def least_squares_d(real: Tensor, fake: Tensor, real_target: float = 1.0) -> Tensor:
    return 0.5 * ((real - real_target) ** 2).mean() + 0.5 * (fake ** 2).mean()


def least_squares_g(fake: Tensor) -> Tensor:
    return 0.5 * ((fake - 1) ** 2).mean()


def hinge_d(real: Tensor, fake: Tensor, real_target: float = 1.0) -> Tensor:
    return F.relu(real_target - real).mean() + F.relu(1 + fake).mean()


@dataclass(frozen=True)
class GANLoss:
    d: Callable[..., Tensor]
    g: Callable[[Tensor], Tensor]
    label: str
    gp_weight: float = 0.0      # default gradient-penalty weight (WGAN-GP)
    weight_clip: float = 0.0    # default clip of D weights (original WGAN)
    probabilistic: bool = True  # D's logit is a probability through a sigmoid


LOSSES.update({
    "minimax": GANLoss(bce_d, minimax_g, "saturating minimax (original)"),
    "ns": GANLoss(bce_d, non_saturating_g, "non-saturating BCE"),
    "wgan": GANLoss(wasserstein_d, wasserstein_g, "WGAN (weight clipping)", weight_clip=0.01, probabilistic=False),
    "wgan-gp": GANLoss(wasserstein_d, wasserstein_g, "WGAN-GP", gp_weight=10.0, probabilistic=False),
    "lsgan": GANLoss(least_squares_d, least_squares_g, "least squares (LSGAN)", probabilistic=False),
    "hinge": GANLoss(hinge_d, wasserstein_g, "hinge", probabilistic=False),
})
