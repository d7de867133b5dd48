import math

import pytest
import torch

from ganviz.config import DataConfig
from ganviz.data import TOY_DATASETS, build_dataset
from ganviz.data.toy import grid, ring


def test_ring_has_eight_distinct_modes_on_the_circle():
    mixture = ring(8, radius=2.0, std=0.02)
    assert mixture.num_modes == 8
    assert torch.allclose(mixture.means.norm(dim=1), torch.full((8,), 2.0), atol=1e-6)
    distances = torch.cdist(mixture.means, mixture.means) + torch.eye(8) * 10
    assert distances.min().item() == pytest.approx(2 * 2.0 * math.sin(math.pi / 8), abs=1e-5)


def test_grid_spacing_and_centre():
    mixture = grid(5, spacing=2.0, std=0.05)
    assert mixture.num_modes == 25
    assert mixture.means.min().item() == -4 and mixture.means.max().item() == 4
    assert torch.allclose(mixture.means.mean(0), torch.zeros(2), atol=1e-6)


def test_mixture_samples_stay_near_their_means_with_the_configured_std():
    mixture = build_dataset(DataConfig(name="ring8", radius=1.0, std=0.05))
    x = mixture.sample(20000, torch.Generator().manual_seed(0))
    nearest = torch.cdist(x, mixture.means).min(1).values
    # distance of a 2D isotropic Gaussian: Rayleigh with mean std*sqrt(pi/2)
    assert nearest.mean().item() == pytest.approx(0.05 * math.sqrt(math.pi / 2), rel=0.05)


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_every_toy_dataset_samples_2d_points_reproducibly(name):
    data = build_dataset(DataConfig(name=name, means=[[0, 0], [1, 1]]))
    a = data.sample(100, torch.Generator().manual_seed(3))
    b = data.sample(100, torch.Generator().manual_seed(3))
    assert a.shape == (100, 2) and torch.equal(a, b) and torch.isfinite(a).all()
    xmin, xmax, ymin, ymax = data.extent()
    assert xmin < a[:, 0].min() and a[:, 0].max() < xmax and ymin < a[:, 1].min() and a[:, 1].max() < ymax


def test_custom_mixture_uses_the_users_components():
    data = build_dataset(DataConfig(name="custom", means=[[5, 5], [-5, 0]], std=0.01))
    x = data.sample(1000, torch.Generator().manual_seed(0))
    assert ((x - torch.tensor([5.0, 5.0])).norm(dim=1) < 0.1).float().mean() > 0.4
