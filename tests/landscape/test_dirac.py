"""The Dirac-GAN: known answers from Mescheder et al. 2018 and Gidel et al. 2019."""
import json
import math

import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.landscape.dirac import DiracConfig, Game, landscape, trajectory
from ganviz.training.losses import LOSSES


@pytest.mark.parametrize("loss", list(LOSSES))
def test_the_field_vanishes_at_the_equilibrium_for_every_loss(loss):
    surface = landscape(DiracConfig(loss=loss, weight_clip=0.0, gp_weight=0.0), extent=1.0, resolution=5)
    centre = (2, 2)  # psi = theta = 0
    assert surface["psi"][2] == 0 and surface["theta"][2] == 0
    assert surface["field_psi"][centre] == pytest.approx(0, abs=1e-12)
    assert surface["field_theta"][centre] == pytest.approx(0, abs=1e-12)
    off = surface["field_psi"][4, 3], surface["field_theta"][4, 3]  # (psi, theta) = (1, 0.5): D has something to learn
    assert max(abs(v) for v in off) > 1e-3


@pytest.mark.parametrize("noise_std", [0.0, 0.7])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_batched_gradients_match_finite_differences_of_each_point(loss, noise_std):
    """Per-point gradients (one backward pass, instance noise weighted through the gradient) against
    finite differences of the per-point expected losses (per sample through vmap)."""
    game = Game(loss, noise_std=noise_std)
    psi = torch.tensor([-1.3, -0.2, 0.4, 1.7], dtype=torch.float64)
    theta = torch.tensor([0.9, -1.1, 0.3, -0.6], dtype=torch.float64)
    eps = 1e-6
    d_plus, _ = game.losses(psi + eps, theta)
    d_minus, _ = game.losses(psi - eps, theta)
    _, g_plus = game.losses(psi, theta + eps)
    _, g_minus = game.losses(psi, theta - eps)
    np.testing.assert_allclose(game.grad_d(psi, theta), (d_plus - d_minus) / (2 * eps), atol=1e-6)
    np.testing.assert_allclose(game.grad_g(psi, theta), (g_plus - g_minus) / (2 * eps), atol=1e-6)


def test_surface_is_the_registry_loss_and_penalties_add_their_known_gradients():
    surface = landscape(DiracConfig(loss="minimax"), extent=2.0, resolution=9)
    psi, theta = np.meshgrid(surface["psi"], surface["theta"], indexing="ij")
    # bce_d at real logit 0 and fake logit psi*theta: log 2 + softplus(psi*theta)
    np.testing.assert_allclose(surface["value"], -math.log(2) - np.logaddexp(0, psi * theta), atol=1e-12)
    p, t = torch.tensor([0.5, -1.5], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)
    plain = Game("wgan-gp").grad_d(p, t)  # d(psi*theta)/dpsi = theta
    np.testing.assert_allclose(plain, t)
    np.testing.assert_allclose(Game("wgan-gp", r1_weight=2.0).grad_d(p, t) - plain, 2.0 * p)  # R1 = psi^2 / 2
    gp = Game("wgan-gp", gp_weight=3.0).grad_d(p, t) - plain  # GP = (|psi| - 1)^2
    np.testing.assert_allclose(gp, 3.0 * 2 * (p.abs() - 1) * p.sign())


@pytest.mark.parametrize("start", [(0.3, 0.3), (1.0, 1.0)])
def test_non_saturating_plain_simultaneous_steps_settle_on_a_limit_cycle(start):
    path = trajectory(DiracConfig(loss="ns", mode="simultaneous", lr_d=0.2, lr_g=0.2, steps=1000,
                                  start_psi=start[0], start_theta=start[1]))
    outcome = path["verdict"]
    assert outcome.kind == "orbiting" and outcome.turns > 5
    assert outcome.radius == pytest.approx(0.632, abs=0.01)  # the same cycle from inside and from outside
    assert path["distance"][-100:].min() > 0.6  # never reaching the equilibrium


@pytest.mark.parametrize("mode", ["simultaneous", "alternating"])
def test_r1_penalty_makes_the_same_game_converge(mode):
    path = trajectory(DiracConfig(loss="ns", mode=mode, lr_d=0.1, lr_g=0.1, r1_weight=1.0, steps=300))
    assert path["verdict"].kind == "converging"
    assert path["distance"][-1] < 1e-3 * path["distance"][0]


def test_bilinear_game_simultaneous_spirals_out_alternating_orbits_negative_momentum_converges():
    bilinear = dict(loss="wgan-gp", gp_weight=0.0, lr_d=0.3, lr_g=0.3, steps=300)  # V = psi * theta
    simultaneous = trajectory(DiracConfig(mode="simultaneous", **bilinear))
    # each simultaneous step multiplies the distance by exactly sqrt(1 + lr^2)
    np.testing.assert_allclose(simultaneous["distance"][1:] / simultaneous["distance"][:-1], math.sqrt(1 + 0.3 ** 2))
    assert simultaneous["verdict"].kind == "diverging"
    assert simultaneous["verdict"].rate == pytest.approx(math.log(1 + 0.3 ** 2) / 2, rel=1e-9)
    alternating = trajectory(DiracConfig(mode="alternating", **bilinear))
    assert alternating["verdict"].kind == "orbiting"
    assert 0.5 < alternating["distance"].min() and alternating["distance"].max() < 2.0
    damped = trajectory(DiracConfig(mode="alternating", momentum=-0.5, **bilinear))
    assert damped["verdict"].kind == "converging"
    pushed = trajectory(DiracConfig(mode="alternating", momentum=0.3, **bilinear))
    assert pushed["verdict"].kind == "diverging"


def test_weight_clipping_holds_psi_and_ttur_changes_the_path():
    clipped = trajectory(DiracConfig(loss="wgan", steps=50))  # the loss's default clip, 0.01
    assert np.abs(clipped["psi"][1:]).max() <= 0.01 + 1e-12
    same = dict(loss="ns", r1_weight=0.3, steps=100)
    slow_d = trajectory(DiracConfig(lr_d=0.1, lr_g=0.1, **same))
    fast_d = trajectory(DiracConfig(lr_d=0.5, lr_g=0.1, **same))
    assert fast_d["distance"][-1] < slow_d["distance"][-1]


def test_overflowing_trajectory_stops_at_its_last_finite_point():
    path = trajectory(DiracConfig(loss="wgan-gp", gp_weight=0.0, mode="alternating", momentum=0.99,
                                  lr_d=10.0, lr_g=10.0, steps=5000))
    assert len(path["step"]) < 5001
    assert np.isfinite(path["psi"]).all() and np.isfinite(path["theta"]).all()
    assert path["verdict"].kind == "diverging"


def test_verdict_names_a_stall_off_the_equilibrium():
    path = trajectory(DiracConfig(loss="lsgan", steps=200))  # psi -> 0, theta freezes where it is
    assert path["verdict"].kind == "stalled"
    assert abs(path["psi"][-1]) < 1e-6 and abs(path["theta"][-1]) > 0.5
    assert path["verdict"].radius == pytest.approx(abs(path["theta"][-1]))


def test_verdict_of_a_run_that_starts_at_the_equilibrium():
    path = trajectory(DiracConfig(loss="ns", steps=20, start_psi=0.0, start_theta=0.0))
    assert path["verdict"].kind == "converging" and path["verdict"].reached == 0
    assert path["verdict"].describe() == "converging: at the equilibrium from the start"


@pytest.mark.parametrize("field, value", [("loss", "nope"), ("lr_d", 0), ("momentum", 1.5), ("steps", 0),
                                          ("mode", "sideways")])
def test_bad_settings_raise_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        DiracConfig(**{field: value})
    with pytest.raises(ValueError, match="resolution"):
        landscape(DiracConfig(), resolution=1)


def test_the_regularisers_are_the_run_configs_own_fields_under_the_same_flat_names():
    run, dirac = TrainConfig.field_specs(), DiracConfig.field_specs()
    for name in ("gp_weight", "r1_weight", "weight_clip"):
        assert dirac[name] == run[name]
    config = DiracConfig(r1_weight=5000.0, gp_weight=None, weight_clip=0.5)
    data = json.loads(config.to_json())
    assert (data["r1_weight"], data["gp_weight"], data["weight_clip"]) == (5000.0, None, 0.5)
    assert DiracConfig.from_json(config.to_json()) == config
    with pytest.raises(ValueError, match="^r1_weight: must be <= 10000"):
        DiracConfig(r1_weight=2e4)
