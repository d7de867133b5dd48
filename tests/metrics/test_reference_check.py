"""Our FD, KID and IS against the reference implementations, on the same features and the same
splits/subsets: pytorch-fid's ``calculate_frechet_distance`` and torch-fidelity's KID and ISC
(both from PyPI, no weights needed: they take features). docs/checked_against.md quotes these."""
import numpy as np
import pytest
import torch
from pytorch_fid.fid_score import calculate_frechet_distance
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from ganviz.metrics.scores import frechet_distance, inception_score, kernel_distance, poly_mmd


def correlated_features(n: int, d: int, shift: float, seed: int) -> torch.Tensor:
    """Non-negative, correlated, unequal-variance features, like a ReLU layer's."""
    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(d, d, generator=g) / d ** 0.5
    return torch.relu(torch.randn(n, d, generator=g) @ mixing + shift)


@pytest.mark.filterwarnings("ignore:The `disp` argument is deprecated:DeprecationWarning")  # pytorch-fid's scipy call
def test_frechet_distance_matches_pytorch_fid():
    real, fake = correlated_features(3000, 64, 0.3, 0), correlated_features(2500, 64, 0.5, 1)
    stats = lambda x: (x.double().mean(0).numpy(), np.cov(x.double().numpy(), rowvar=False))
    reference = calculate_frechet_distance(*stats(real), *stats(fake))
    assert frechet_distance(real, fake) == pytest.approx(reference, rel=1e-6)


@pytest.mark.parametrize("n_real, n_fake, size", [(1500, 1200, 1000), (600, 600, 300)])
def test_kid_matches_torch_fidelity_on_the_same_subsets(n_real, n_fake, size):
    """torch-fidelity draws subset pairs with np.random.RandomState(seed).choice(n, size, replace=False);
    replaying those draws through our MMD gives its mean and std. (It refuses n < subset size; with
    n = 600 we ask it for the 300 that ganviz shrinks to.)"""
    real, fake = correlated_features(n_real, 32, 0.2, 2), correlated_features(n_fake, 32, 0.4, 3)
    subsets, seed = 20, 2020
    reference = kid_features_to_metric(real.double(), fake.double(), kid_subsets=subsets, kid_subset_size=size,
                                       rng_seed=seed, verbose=False)
    rng = np.random.RandomState(seed)
    draws = [(rng.choice(n_real, size, replace=False), rng.choice(n_fake, size, replace=False)) for _ in range(subsets)]
    ours = np.array([poly_mmd(real.double()[r], fake.double()[f]).item() for r, f in draws])
    assert ours.mean() == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-10)
    assert ours.std() == pytest.approx(reference["kernel_inception_distance_std"], rel=1e-8)
    # the production path (float32, ganviz's own subsets of the size it picks) agrees within the subset spread
    production = kernel_distance(real, fake, subset_size=1000, subsets=subsets)
    assert production["subset_size"] == size
    assert abs(production["value"] - reference["kernel_inception_distance_mean"]) < 3 * reference[
        "kernel_inception_distance_std"]


def test_float32_mmd_is_within_1e_5_of_float64():
    real, fake = correlated_features(1000, 64, 0.2, 4), correlated_features(1000, 64, 0.4, 5)
    assert poly_mmd(real, fake).item() == pytest.approx(poly_mmd(real.double(), fake.double()).item(), rel=1e-5)


@pytest.mark.parametrize("splits", [1, 10])
def test_inception_score_matches_torch_fidelity_on_the_same_splits(splits):
    """torch-fidelity shuffles with its own RNG; given our permutation (shuffle off) it scores the same
    parts, and its ± is the population std (ddof=0), as ours."""
    logits = torch.randn(5000, 10, generator=torch.Generator().manual_seed(6), dtype=torch.float64) * 2.5
    seed = 11
    ours = inception_score(logits, splits=splits, seed=seed)
    order = torch.randperm(len(logits), generator=torch.Generator().manual_seed(seed))
    reference = isc_features_to_metric(logits[order], splits=splits, shuffle=False)
    assert ours["value"] == pytest.approx(reference["inception_score_mean"], rel=1e-12)
    assert ours["std"] == pytest.approx(reference["inception_score_std"], rel=1e-9, abs=1e-12)
