"""Small building blocks shared by the architectures."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


def activation(name: str) -> nn.Module:
    return ACTIVATIONS[name]()


def maybe_sn(layer: nn.Module, enabled: bool) -> nn.Module:
    return spectral_norm(layer) if enabled else layer


class Residual(nn.Module):
    """x + f(x), with a 1x1 / linear projection (or resampling) on the skip when shapes differ."""

    def __init__(self, body: nn.Module, skip: nn.Module | None = None):
        super().__init__()
        self.body = body
        self.skip = skip if skip is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)


class ProjectionHead(nn.Module):
    """Discriminator output: linear on the features, plus a class projection when conditional
    (Miyato & Koyama 2018): D(x, y) = w·h + embed(y)·h."""

    def __init__(self, features: int, num_classes: int, sn: bool):
        super().__init__()
        self.linear = maybe_sn(nn.Linear(features, 1), sn)
        self.embed = maybe_sn(nn.Embedding(num_classes, features), sn) if num_classes else None

    def forward(self, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        out = self.linear(h).squeeze(-1)
        if self.embed is not None:
            if y is None:
                raise ValueError("a conditional discriminator needs class labels y")
            out = out + (self.embed(y) * h).sum(-1)
        return out


def condition_latent(z: torch.Tensor, y: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    """Append a one-hot class code to z for a conditional generator."""
    if not num_classes:
        return z
    if y is None:
        raise ValueError("a conditional generator needs class labels y")
    return torch.cat([z, nn.functional.one_hot(y, num_classes).to(z.dtype)], 1)
