"""Regularisers on the discriminator (and L2 on any module). Each returns a scalar to add to
a loss; each is differentiable so it can be minimised with the loss it regularises."""
from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

Critic = Callable[[torch.Tensor], torch.Tensor]


def _input_grad(critic: Critic, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    out = critic(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad.flatten(1)


def gradient_penalty(critic: Critic, real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates
    x_hat between real and fake samples; zero for a 1-Lipschitz linear critic with unit weight."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    device = generator.device if generator is not None else real.device
    alpha = torch.rand(shape, generator=generator, device=device).to(real.device)
    mixed = alpha * real.detach() + (1 - alpha) * fake.detach()
    return ((_input_grad(critic, mixed).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(critic: Critic, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): 0.5 * E[||grad_x D(x)||^2] on real data."""
    return 0.5 * _input_grad(critic, real).pow(2).sum(1).mean()


def l2_penalty(parameters: Iterable[torch.Tensor]) -> torch.Tensor:
    """0.5 * sum of squared weights: its gradient is the weight itself (classic weight decay)."""
    return 0.5 * sum(p.pow(2).sum() for p in parameters)


@torch.no_grad()
def clip_weights(module: nn.Module, limit: float) -> None:
    """The original WGAN's crude Lipschitz constraint: clamp every D parameter to [-c, c]."""
    for p in module.parameters():
        p.clamp_(-limit, limit)
