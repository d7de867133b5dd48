import numpy as np
import pytest
import torch

from ganviz.collapse.experiment import preset
from ganviz.collapse.plane import (discriminator_heatmap, generator_gradients, generator_manifold, latent_draw,
                                   plane_grid, toy_view)
from ganviz.training import Trainer

TINY = {"model.width": 16, "model.depth": 2, "batch_size": 16, "device": "cpu"}


def tiny(remedy="none", **changes):
    return Trainer(preset("ring8", remedy, 0, **{**TINY, **changes}))


def test_plane_grid_covers_the_extent_row_by_row():
    xs, ys, points = plane_grid((-1.0, 1.0, 0.0, 4.0), resolution=4)
    assert xs.tolist() == [-0.75, -0.25, 0.25, 0.75] and ys.tolist() == [0.5, 1.5, 2.5, 3.5]
    assert points.shape == (16, 2) and points[1].tolist() == [-0.25, 0.5]


def test_heatmap_is_d_on_the_grid_as_a_probability_or_a_raw_critic():
    trainer = tiny()
    hm = discriminator_heatmap(trainer, (-3, 3, -3, 3), resolution=5)
    _, _, points = plane_grid((-3, 3, -3, 3), 5)
    expected = torch.sigmoid(trainer.discriminator(torch.tensor(points, dtype=torch.float32))).detach().numpy()
    assert hm["z"].shape == (5, 5) and hm["probabilistic"]
    np.testing.assert_allclose(hm["z"].ravel(), expected, rtol=1e-5)
    critic = tiny(loss="wgan-gp")
    assert not discriminator_heatmap(critic, (-3, 3, -3, 3), resolution=5)["probabilistic"]


def test_arrows_point_where_d_rates_the_samples_more_real():
    trainer = tiny()
    trainer.step(3)
    grads = generator_gradients(trainer, latent_draw(trainer, 64, seed=1))
    points, arrows = torch.tensor(grads["points"]), torch.tensor(grads["arrows"])
    assert arrows.shape == (64, 2)
    with torch.no_grad():
        before = trainer.discriminator(points)
        after = trainer.discriminator(points + 1e-3 * arrows / arrows.norm(dim=1, keepdim=True))
    assert (after > before).float().mean() > 0.95  # the non-saturating loss climbs D's logit


def test_arrows_use_the_remedy_loss_and_respect_packing():
    trainer = tiny("pacgan", pack=4)
    grads = generator_gradients(trainer, latent_draw(trainer, 30, seed=1))
    assert grads["points"].shape == (28, 2)  # trimmed to whole packs
    mixture = tiny("mixture", n_generators=3)
    assert generator_gradients(mixture, latent_draw(mixture, 9, seed=1))["component"].tolist() == [0, 1, 2] * 3


def test_manifold_is_g_on_a_latent_grid_one_grid_per_generator():
    trainer = tiny(**{"model.latent_dim": 2})
    warped = generator_manifold(trainer, resolution=3, span=1.0)
    assert warped.shape == (1, 3, 3, 2)
    corner = trainer.generate(torch.tensor([[-1.0, 1.0]]))[0].numpy()
    np.testing.assert_allclose(warped[0, 2, 0], corner, rtol=1e-5)  # row = second latent dim
    sliced = generator_manifold(tiny(**{"model.latent_dim": 5}), resolution=4)
    assert sliced.shape == (1, 4, 4, 2)
    assert generator_manifold(tiny("mixture", n_generators=3), resolution=4).shape == (3, 4, 4, 2)


@pytest.mark.parametrize("remedy", ["unrolled", "feature-matching"])
def test_looking_at_a_run_does_not_change_how_it_continues(remedy):
    watched, unwatched = tiny(remedy), tiny(remedy)
    watched.step(2)
    unwatched.step(2)
    view = toy_view(watched, n=32)
    assert {"real", "fake", "arrows", "heatmap", "manifold", "extent"} <= set(view)
    assert watched.gan.training
    watched.step(2)
    unwatched.step(2)
    z = torch.randn(8, watched.config.model.latent_dim)
    assert torch.equal(watched.generate(z), unwatched.generate(z))

