import pytest
import torch
from torch import nn

from ganviz.training.regularizers import clip_weights, gradient_penalty, l2_penalty, r1_penalty


def linear_critic(weight):
    layer = nn.Linear(len(weight), 1, bias=True)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([weight]))
        layer.bias.fill_(0.3)
    return lambda x: layer(x).squeeze(-1)


def test_gradient_penalty_vanishes_for_a_unit_norm_linear_critic():
    critic = linear_critic([0.6, 0.8])  # ||w|| = 1: exactly 1-Lipschitz
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_is_squared_norm_excess():
    critic = linear_critic([3.0, 4.0])  # ||w|| = 5
    assert gradient_penalty(critic, torch.randn(8, 2), torch.randn(8, 2)).item() == pytest.approx(16.0)


def test_gradient_penalty_is_differentiable_in_the_critic():
    layer = nn.Linear(2, 1)
    penalty = gradient_penalty(lambda x: layer(x).squeeze(-1), torch.randn(8, 2), torch.randn(8, 2))
    penalty.backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


def test_r1_is_half_the_squared_gradient_norm_on_real_data():
    critic = linear_critic([3.0, 4.0])
    assert r1_penalty(critic, torch.randn(16, 2)).item() == pytest.approx(12.5)
    quadratic = lambda x: (x ** 2).sum(1)  # grad = 2x
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert r1_penalty(quadratic, x).item() == pytest.approx(0.5 * (4 + 16) / 2)


def test_l2_penalty_value_and_gradient():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    b = torch.tensor([3.0], requires_grad=True)
    penalty = l2_penalty([w, b])
    assert penalty.item() == pytest.approx(7.0)
    penalty.backward()
    assert torch.equal(w.grad, w.detach()) and torch.equal(b.grad, b.detach())


def test_clip_weights_bounds_every_parameter():
    layer = nn.Linear(4, 4)
    with torch.no_grad():
        layer.weight.mul_(100)
    clip_weights(layer, 0.01)
    assert max(p.abs().max().item() for p in layer.parameters()) <= 0.01
