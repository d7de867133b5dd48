"""Fully connected generator and discriminator: the GAN Lab / unrolled-GAN toy nets."""
from __future__ import annotations

import math

import torch
from torch import nn

from ganviz.models.layers import ProjectionHead, Residual, activation, condition_latent, maybe_sn


def _hidden(in_dim: int, width: int, depth: int, act: str, *, batchnorm=False, sn=False,
            dropout=0.0, residual=False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        block = [maybe_sn(nn.Linear(in_dim if i == 0 else width, width), sn)]
        if batchnorm:
            block.append(nn.BatchNorm1d(width))
        block.append(activation(act))
        if dropout:
            block.append(nn.Dropout(dropout))
        block = nn.Sequential(*block)
        layers.append(Residual(block) if residual and i > 0 else block)
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    def __init__(self, out_shape, latent_dim, width, depth, activation, batchnorm, residual, num_classes=0):
        super().__init__()
        self.latent_dim, self.num_classes, self.out_shape = latent_dim, num_classes, tuple(out_shape)
        out_dim = math.prod(out_shape)
        self.body = _hidden(latent_dim + num_classes, width, depth, activation,
                            batchnorm=batchnorm, residual=residual)
        self.out = nn.Linear(width, out_dim)
        self.images = len(self.out_shape) == 3

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = self.out(self.body(condition_latent(z, y, self.num_classes)))
        return torch.tanh(x).view(-1, *self.out_shape) if self.images else x


class MLPDiscriminator(nn.Module):
    def __init__(self, in_shape, width, depth, activation, spectral_norm, dropout, residual, num_classes=0):
        super().__init__()
        self.num_classes = num_classes
        self.body = _hidden(math.prod(in_shape), width, depth, activation,
                            sn=spectral_norm, dropout=dropout, residual=residual)
        self.head = ProjectionHead(width, num_classes, spectral_norm)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(x.flatten(1))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x, y), y)
