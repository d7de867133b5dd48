import math

import pytest
import torch

from ganviz.training.losses import (LOSSES, bce_d, hinge_d, least_squares_d, least_squares_g, minimax_g,
                                    non_saturating_g, wasserstein_d, wasserstein_g)


def test_bce_discriminator_at_chance_is_two_log_two():
    zero = torch.zeros(4)
    assert bce_d(zero, zero).item() == pytest.approx(2 * math.log(2))


def test_bce_with_label_smoothing_is_minimised_at_the_smoothed_target():
    logit = torch.tensor([math.log(0.9 / 0.1)], requires_grad=True)  # sigmoid = 0.9
    bce_d(logit, torch.tensor([-50.0]), real_target=0.9).backward()
    assert logit.grad.abs().item() < 1e-6


def test_saturating_and_non_saturating_generator_losses_differ_where_d_rejects_fakes():
    # D(G(z)) ~ 4.5e-5: the saturating loss's gradient vanishes, the non-saturating one's does not
    fake = torch.tensor([-10.0], requires_grad=True)
    minimax_g(fake).backward()
    saturating = fake.grad.item()
    fake.grad = None
    non_saturating_g(fake).backward()
    assert abs(saturating) < 1e-4
    assert non_saturating_g(torch.tensor([-10.0])).item() == pytest.approx(10.0, abs=1e-3)
    assert fake.grad.item() == pytest.approx(-1.0, abs=1e-4)
    # both push the logit up (towards "real")
    assert saturating < 0


def test_minimax_generator_value_is_log_one_minus_d():
    fake = torch.tensor([0.3, -1.2])
    expected = torch.log(1 - torch.sigmoid(fake)).mean()
    assert minimax_g(fake).item() == pytest.approx(expected.item(), abs=1e-6)


def test_wasserstein_losses():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0])
    assert wasserstein_d(real, fake).item() == pytest.approx(-1.0)
    assert wasserstein_g(fake).item() == pytest.approx(-1.0)


def test_least_squares_losses():
    assert least_squares_d(torch.ones(3), torch.zeros(3)).item() == 0
    assert least_squares_d(torch.zeros(3), torch.ones(3)).item() == pytest.approx(1.0)
    assert least_squares_g(torch.ones(3)).item() == 0
    assert least_squares_g(torch.zeros(3)).item() == pytest.approx(0.5)


def test_hinge_loss_is_zero_beyond_the_margin():
    assert hinge_d(torch.tensor([2.0]), torch.tensor([-2.0])).item() == 0
    assert hinge_d(torch.zeros(1), torch.zeros(1)).item() == pytest.approx(2.0)


def test_registry_has_the_six_losses_with_their_constraints():
    assert set(LOSSES) >= {"minimax", "ns", "wgan", "wgan-gp", "lsgan", "hinge"}
    assert LOSSES["wgan"].weight_clip > 0 and LOSSES["wgan-gp"].gp_weight == 10
    assert LOSSES["ns"].probabilistic and not LOSSES["wgan"].probabilistic
