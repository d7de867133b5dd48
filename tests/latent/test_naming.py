"""Naming directions against a generator whose directions are known (tests/latent/conftest.py):
z[0] moves the shape right, z[1] down, z[2] makes it larger, z[3] red, z[4] a star, z[5] turns it."""
import numpy as np
import pytest
import torch

from ganviz.hub import load_generator
from ganviz.latent.naming import (FIT_FACTORS, PROFILE_FACTORS, class_names, correlation, factor_profile,
                                  factors_along, fit_direction, trained_on_shapes)
from ganviz.latent.walk import interpolate

AXES = {"x": 0, "y": 1, "scale": 2, "red": 3, "star": 4}


@pytest.mark.parametrize("factor", list(AXES))
def test_fit_direction_recovers_the_latent_axis_that_moves_the_factor(shapes_generator, factor_net, factor):
    fitted = fit_direction(shapes_generator, factor_net, factor, n=600, seed=1)
    cosine = fitted.vector @ torch.eye(8)[AXES[factor]]
    assert cosine > 0.95, fitted.vector
    assert fitted.vector.norm().item() == pytest.approx(1.0, abs=1e-5)
    assert fitted.quality > 0.9
    if factor == "x":  # x = 0.5 + 0.06 z[0]: the fitted slope is the generator's
        assert fitted.metric == "R²" and fitted.per_unit == pytest.approx(0.06, rel=0.1)
    if factor == "red":
        assert fitted.metric == "balanced accuracy" and 0.3 < fitted.share < 0.7


def test_the_opposite_attribute_gives_the_opposite_direction(shapes_generator, factor_net):
    red, blue = (fit_direction(shapes_generator, factor_net, c, n=600).vector for c in ("red", "blue"))
    assert red @ blue < -0.99


def test_fit_direction_refuses_what_it_cannot_fit(shapes_generator, factor_net):
    with pytest.raises(ValueError, match="rotation is circular"):
        fit_direction(shapes_generator, factor_net, "rotation")
    with pytest.raises(ValueError, match="names no sample circle"):  # the hand-made generator draws none
        fit_direction(shapes_generator, factor_net, "circle", n=200)
    with pytest.raises(ValueError, match="too few"):
        fit_direction(shapes_generator, factor_net, "x", n=12)
    assert set(FIT_FACTORS) >= {"x", "y", "scale", "star", "red"} and "rotation" not in FIT_FACTORS


def test_the_profile_names_what_each_latent_axis_moves(shapes_generator, factor_net):
    profile = factor_profile(shapes_generator, factor_net, torch.eye(8), paths=16)
    assert profile.correlations.shape == (8, len(PROFILE_FACTORS))
    assert [profile.top(i) for i in range(6)] == ["x", "y", "scale", "colour", "shape", "rotation"]
    r = dict(zip(PROFILE_FACTORS, profile.correlations[0]))
    assert r["x"] > 0.8 and max(abs(v) for f, v in r.items() if f != "x") < 0.3
    assert profile.phrase(0).startswith("mostly x: moves it right")
    assert profile.classes[3]["colour"] == "red" and profile.classes[4]["shape"] == "star"
    assert profile.phrase(4).startswith("mostly shape: makes it a star")
    assert profile.correlations[5, PROFILE_FACTORS.index("rotation")] > 0.9  # clockwise as seen
    # z[6] and z[7] change nothing: no factor, nothing named
    assert np.allclose(profile.correlations[6:], 0, atol=1e-6) and profile.phrase(7) == "none of the factors the network reads"
    assert profile.classes[6] == {"shape": "", "colour": ""}


def test_a_reversed_direction_reverses_the_signs(shapes_generator, factor_net):
    left = factor_profile(shapes_generator, factor_net, -torch.eye(8)[:1], paths=8)
    assert left.correlations[0, 0] < -0.8 and left.phrase(0).startswith("mostly x: moves it left")


def test_a_steady_shift_counts_against_how_much_samples_differ():
    amounts = np.linspace(-1, 1, 5)
    starts = np.array([0.0, 1.0, -1.0])[:, None]
    assert correlation(amounts, starts + 0 * amounts) == 0.0  # nothing moves
    assert correlation(amounts, starts + amounts) == pytest.approx(0.65, abs=0.01)  # as much as they differ
    assert correlation(amounts, starts + 0.01 * amounts) < 0.05  # every path alike, but by little


def test_factors_along_a_path_from_left_to_right(shapes_generator, factor_net):
    a, b = torch.zeros(8), torch.zeros(8)
    a[0], b[0] = -3.0, 3.0
    along = factors_along(shapes_generator, factor_net, interpolate(a, b, 8, "linear"))
    assert np.all(np.diff(along["x"]) > 0) and along["x"][0] < 0.35 and along["x"][-1] > 0.65
    assert np.ptp(along["y"]) < 0.03
    assert along["shape"] == ["square"] * 8 and along["colour"] == ["blue"] * 8  # z[3] = z[4] = 0: the else branch
    assert np.all(np.abs(along["rotation"]) < 5)  # upright, read near 0 and never as 90


def test_only_shapes_generators_are_named_and_grey_images_are_refused(shapes_generator, factor_net):
    digits = load_generator("digits-dcgan")
    assert trained_on_shapes(shapes_generator) and not trained_on_shapes(digits)
    with pytest.raises(ValueError, match="3-channel"):
        factors_along(digits, factor_net, torch.zeros(2, digits.latent_dim))


def test_class_names_are_a_shapes_runs_modes_and_numbers_otherwise():
    shapes, digits = (load_generator(name) for name in ("shapes-dcgan-cond", "digits-dcgan-cond"))
    names = class_names(shapes)
    assert len(names) == 24 and names[0] == "red circle" and names[-1] == "magenta star"
    assert class_names(digits) == [str(i) for i in range(10)]
