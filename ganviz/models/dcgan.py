"""DCGAN generator and discriminator for 28x28, 32x32 and 64x64 images (Radford et al. 2015), with
optional residual up/down blocks and class conditioning."""
from __future__ import annotations

import torch
from torch import nn

from ganviz.models.layers import ProjectionHead, Residual, condition_latent, maybe_sn


def _start_and_stages(size: int) -> tuple[int, int]:
    # 28 = 7 * 2 * 2, 32 = 4 * 2 * 2 * 2, 64 = 4 * 2 * 2 * 2 * 2
    return {28: (7, 2), 32: (4, 3), 64: (4, 4)}[size]


def _up(cin: int, cout: int, residual: bool) -> nn.Module:
    if not residual:
        return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))
    body = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(True), nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(True))
    return Residual(body, nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(cin, cout, 1)))


def _down(cin: int, cout: int, residual: bool, sn: bool, dropout: float) -> nn.Module:
    tail = [nn.LeakyReLU(0.2, True)] + ([nn.Dropout(dropout)] if dropout else [])
    if not residual:
        return nn.Sequential(maybe_sn(nn.Conv2d(cin, cout, 4, 2, 1), sn), *tail)
    body = nn.Sequential(maybe_sn(nn.Conv2d(cin, cout, 3, 1, 1), sn), nn.LeakyReLU(0.2),
                         maybe_sn(nn.Conv2d(cout, cout, 3, 1, 1), sn), nn.AvgPool2d(2))
    return nn.Sequential(Residual(body, nn.Sequential(maybe_sn(nn.Conv2d(cin, cout, 1), sn), nn.AvgPool2d(2))),
                         *tail)


class DCGANGenerator(nn.Module):
    def __init__(self, out_shape, latent_dim, channels, residual, num_classes=0):
        super().__init__()
        c_out, size, _ = out_shape
        self.latent_dim, self.num_classes, self.out_shape = latent_dim, num_classes, tuple(out_shape)
        self.start, stages = _start_and_stages(size)
        self.top = channels * 2 ** (stages - 1)
        self.project = nn.Sequential(nn.Linear(latent_dim + num_classes, self.top * self.start ** 2, bias=False),
                                     nn.BatchNorm1d(self.top * self.start ** 2), nn.ReLU(True))
        widths = [self.top // 2 ** i for i in range(stages + 1)]
        self.ups = nn.Sequential(*[_up(widths[i], widths[i + 1], residual) for i in range(stages)])
        self.to_image = nn.Sequential(nn.Conv2d(widths[-1], c_out, 3, 1, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(condition_latent(z, y, self.num_classes)).view(-1, self.top, self.start, self.start)
        return self.to_image(self.ups(h))


class DCGANDiscriminator(nn.Module):
    def __init__(self, in_shape, channels, spectral_norm, dropout, residual, num_classes=0):
        super().__init__()
        c_in, size, _ = in_shape
        self.num_classes = num_classes
        start, stages = _start_and_stages(size)
        widths = [c_in] + [channels * 2 ** i for i in range(stages)]
        self.body = nn.Sequential(*[_down(widths[i], widths[i + 1], residual, spectral_norm, dropout)
                                    for i in range(stages)], nn.Flatten())
        self.head = ProjectionHead(widths[-1] * start ** 2, num_classes, spectral_norm)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x, y), y)
