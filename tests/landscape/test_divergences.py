"""The optimal discriminator and the divergences: Goodfellow et al. 2014 Theorem 1, Arjovsky et al. 2017."""
import itertools
import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from ganviz.landscape.divergences import (Density1D, divergence_vs_shift, optimal_discriminator,
                                          optimal_discriminator_report, value)

PAIRS = [(Density1D(kind, 0.0, 1.0), Density1D(other, loc, scale))
         for kind, other in [("gaussian", "gaussian"), ("uniform", "bimodal"), ("bimodal", "uniform")]
         for loc, scale in itertools.product([0.5, 2.0, 6.0], [0.3, 1.5])]


@pytest.mark.parametrize("real, fake", PAIRS, ids=lambda d: f"{d.kind}:{d.loc},{d.scale}")
def test_value_at_the_optimal_discriminator_is_two_jsd_minus_log4(real, fake):
    report = optimal_discriminator_report(real, fake)
    p, q = report["p_data"], report["p_g"]
    jsd_scipy = jensenshannon(p, q) ** 2  # an independent JSD: scipy normalises the grid vectors itself
    assert report["value_d_star"] == pytest.approx(2 * jsd_scipy - math.log(4), abs=1e-4)
    assert report["value_d_star"] == pytest.approx(report["two_jsd_minus_log4"], abs=1e-4)
    assert 0 <= report["jsd"] <= math.log(2) + 1e-12


def test_d_star_beats_every_other_discriminator():
    report = optimal_discriminator_report(Density1D("gaussian", 0, 1), Density1D("bimodal", 1, 1))
    p, q, x = report["p_data"], report["p_g"], report["x"]
    dx = x[1] - x[0]
    rng = np.random.default_rng(0)
    for _ in range(5):
        other = np.clip(report["d_star"] + rng.normal(0, 0.05, x.shape), 1e-6, 1 - 1e-6)
        assert value(other, p, q, dx) < report["value_d_star"]
    assert report["value_half"] == pytest.approx(-math.log(4), abs=1e-9)  # D = 1/2 scores -log 4 whatever G is


def test_known_extremes_identical_and_disjoint():
    same = optimal_discriminator_report(Density1D("bimodal", 1, 1), Density1D("bimodal", 1, 1))
    assert same["jsd"] == pytest.approx(0, abs=1e-12)
    assert same["value_d_star"] == pytest.approx(-math.log(4), abs=1e-9)
    np.testing.assert_allclose(same["d_star"][np.isfinite(same["d_star"])], 0.5)
    apart = optimal_discriminator_report(Density1D("uniform", 0, 0.5), Density1D("uniform", 3, 0.5))
    assert apart["jsd"] == pytest.approx(math.log(2), abs=1e-12)
    assert apart["value_d_star"] == pytest.approx(0, abs=1e-12)  # D* is 1 on the data, 0 on the fakes
    assert apart["wasserstein"] == pytest.approx(3, abs=5e-3)
    assert apart["kl_data_g"] == math.inf
    assert np.isnan(optimal_discriminator(np.zeros(3), np.zeros(3))).all()  # no mass: D* is free


def test_jsd_goes_flat_on_disjoint_supports_while_wasserstein_keeps_its_slope():
    shifts = np.linspace(-3, 3, 61)
    out = divergence_vs_shift(Density1D("uniform", 0, 0.5), shifts)  # support width 1
    apart = np.abs(shifts) > 1.15
    np.testing.assert_allclose(out["jsd"][apart], math.log(2), atol=1e-12)
    np.testing.assert_allclose(out["jsd_slope"][apart], 0, atol=1e-9)
    np.testing.assert_allclose(out["wasserstein"], np.abs(shifts), atol=5e-3)
    np.testing.assert_allclose(np.abs(out["wasserstein_slope"][np.abs(shifts) > 0.15]), 1, atol=0.01)
    overlapping = (np.abs(shifts) > 0.1) & (np.abs(shifts) < 0.9)
    assert np.abs(out["jsd_slope"][overlapping]).min() > 0.1  # JSD does move while they overlap


@pytest.mark.parametrize("text, field", [("cauchy:0,1", "kind"), ("gaussian:0,-1", "scale"),
                                         ("gaussian:0", "KIND:LOC,SCALE"), ("gaussian:nan,1", "loc")])
def test_bad_densities_are_rejected_by_name(text, field):
    with pytest.raises(ValueError, match=field):
        Density1D.parse(text)
    assert Density1D.parse("uniform:1,2") == Density1D("uniform", 1.0, 2.0)
