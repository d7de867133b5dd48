import json
import math

import numpy as np
import pytest
import torch

from ganviz.collapse.coverage import (evaluate, grid_divergences, grid_histogram, mode_metrics, nearest_mode,
                                      reverse_kl_to_uniform, summarise)
from ganviz.collapse.experiment import preset
from ganviz.data.toy import grid, ring
from ganviz.training import Trainer


def draw(mixture, n=2500, seed=0):
    return mixture.sample(n, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("mixture", [ring(8, 2.0, 0.02), grid(5, 2.0, 0.05)], ids=["ring8", "grid25"])
def test_samples_drawn_from_the_mixture_cover_every_mode_with_high_quality(mixture):
    m = mode_metrics(draw(mixture), mixture.means, mixture.std)
    k = mixture.num_modes
    assert m["num_modes"] == k
    assert m["modes"] == k and m["modes_strict"] == k
    assert m["high_quality"] > 98.0  # a 2D Gaussian puts 1 - exp(-4.5) = 98.9% within 3 std
    assert m["reverse_kl"] < 0.02
    assert all(m["covered"]) and sum(m["hq_counts"]) == pytest.approx(m["high_quality"] * 25)


def test_samples_all_on_one_mode_cover_one_mode_with_reverse_kl_log8():
    mixture = ring(8, 2.0, 0.02)
    on_mode_3 = mixture.means[3] + 0.02 * torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    m = mode_metrics(on_mode_3, mixture.means, mixture.std)
    assert m["modes"] == 1 and m["modes_strict"] == 1
    assert m["covered"][3] and m["mass"][3] == 1.0
    assert m["reverse_kl"] == pytest.approx(math.log(8))


def test_far_samples_are_not_high_quality_and_cover_nothing():
    mixture = ring(8, 2.0, 0.02)
    near_centre = torch.zeros(100, 2)  # nearest to some mode, but 2 away: 100 std
    m = mode_metrics(near_centre, mixture.means, mixture.std)
    assert m["modes"] == 0 and m["high_quality"] == 0.0
    assert math.isnan(m["reverse_kl"])  # PacGAN's histogram of high-quality samples is empty
    assert m["reverse_kl_all"] == pytest.approx(math.log(8))


def test_reverse_kl_counts_only_high_quality_samples_as_pacgan_does():
    mixture = ring(8, 2.0, 0.02)
    far = torch.tensor([[0.5, 0.0]]).repeat(7, 1)  # nearest to mode 0 (at (2, 0)) but 1.5 away
    samples = torch.cat([mixture.means[0].repeat(2, 1), mixture.means[1][None], far])
    m = mode_metrics(samples, mixture.means, mixture.std)
    assert m["hq_counts"][:2] == [2, 1] and sum(m["hq_counts"]) == 3
    entropy = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert m["reverse_kl"] == pytest.approx(math.log(8) - entropy)        # histogram [2, 1, 0, ...]
    entropy_all = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert m["reverse_kl_all"] == pytest.approx(math.log(8) - entropy_all)  # histogram [9, 1, 0, ...]


def test_modes_held_tells_a_collapse_from_a_blur():
    grid = torch.tensor([[x, y] for x in (-4.0, -2.0, 0.0, 2.0, 4.0) for y in (-4.0, -2.0, 0.0, 2.0, 4.0)])
    blur = torch.rand(2500, 2, generator=torch.Generator().manual_seed(0)) * 10 - 5
    m_blur = mode_metrics(blur, grid, 0.05)
    assert m_blur["high_quality"] < 5 and m_blur["modes_strict"] == 0  # the strict count calls it a collapse
    assert m_blur["modes_held"] == 25                                  # the held count does not
    lump = torch.randn(2500, 2, generator=torch.Generator().manual_seed(1)) * 0.3 + torch.tensor([1.0, 0.0])
    m_lump = mode_metrics(lump, grid, 0.05)  # a wide lump between two modes, no sample high quality
    assert m_lump["modes_held"] == 2


def test_the_strict_threshold_ignores_a_mode_with_a_single_sample():
    mixture = ring(8, 2.0, 0.02)
    samples = torch.cat([mixture.means[0].repeat(999, 1), mixture.means[5][None]])
    m = mode_metrics(samples, mixture.means, mixture.std)
    assert m["modes"] == 2 and m["modes_strict"] == 1
    assert m["hq_counts"][5] == 1


def test_nearest_mode_and_high_quality_radius_use_euclidean_three_std():
    means = np.array([[0.0, 0.0], [10.0, 0.0]])
    index, distance = nearest_mode(np.array([[0.29, 0.0], [0.25, 0.25], [9.0, 0.0]]), means)
    assert index.tolist() == [0, 0, 1]
    m = mode_metrics(np.array([[0.29, 0.0], [0.25, 0.25]]), means, std=0.1)
    assert m["high_quality"] == 50.0  # (0.25, 0.25) is 0.354 away: inside the 3-std box, outside the ball


def test_reverse_kl_of_histograms():
    assert reverse_kl_to_uniform([3, 3, 3]) == pytest.approx(0.0)
    assert reverse_kl_to_uniform([1, 1, 0, 0]) == pytest.approx(math.log(2))


def test_grid_divergences_are_zero_for_the_same_samples_and_one_bit_for_disjoint_ones():
    extent = (-3.0, 3.0, -3.0, 3.0)
    mixture = ring(8, 2.0, 0.02)
    real = draw(mixture)
    same = grid_divergences(real, real, extent)
    assert same["kl"] == pytest.approx(0.0, abs=1e-9) and same["js"] == pytest.approx(0.0, abs=1e-9)
    disjoint = grid_divergences(np.full((50, 2), -2.5), np.full((50, 2), 2.5), extent)
    assert disjoint["js"] == pytest.approx(1.0, abs=0.01)
    assert disjoint["kl"] > 10  # log2(1 / 1e-4) ~ 13 bits: GAN Lab's smoothing keeps it finite


def test_grid_histogram_sums_to_one_and_clips_outliers_to_the_edge():
    hist = grid_histogram(np.array([[0.0, 0.0], [100.0, -100.0]]), (-1.0, 1.0, -1.0, 1.0), bins=4)
    assert hist.sum() == pytest.approx(1.0)
    assert hist[0, 3] == 0.5  # row = y bin (bottom), column = x bin (right)


def test_evaluate_scores_a_trainer_and_rejects_non_mixtures():
    trainer = Trainer(preset("ring8", **{"model.width": 8, "batch_size": 8, "device": "cpu"}))
    report = evaluate(trainer, n=200)
    assert {"modes", "modes_strict", "high_quality", "reverse_kl", "kl", "js"} <= set(report)
    assert json.dumps(report) == json.dumps(evaluate(trainer, n=200))  # fixed seed: the same draws (NaN-safe)
    moons = Trainer(trainer.config.replace(**{"data.name": "moons"}))
    with pytest.raises(ValueError, match="data.name"):
        evaluate(moons)


def test_summarise_gives_mean_and_sample_std():
    s = summarise([1, 2, 3])
    assert s["mean"] == 2.0 and s["std"] == pytest.approx(1.0) and s["n"] == 3
    assert summarise([5])["std"] == 0.0
