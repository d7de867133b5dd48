"""The filter-normalised loss slice of live networks (Li et al. 2018)."""
import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.landscape.network import filter_normalised_direction, loss_slice, snapshot
from ganviz.training import Trainer
from ganviz.training.losses import LOSSES

TINY = {"model.width": 16, "model.depth": 2, "batch_size": 32, "device": "cpu"}


@pytest.fixture(scope="module")
def trainer():
    trainer = Trainer(TrainConfig().replace(**TINY))
    trainer.step(5)
    return trainer


def _current_loss(trainer, problem) -> float:
    """The loss recomputed from the trainer's own networks on the snapshot's batch (eval mode)."""
    loss = LOSSES[trainer.config.loss]
    trainer.gan.eval()
    try:
        with torch.no_grad():
            if problem.player == "discriminator":
                fake = trainer.generator(problem.z, problem.fake_y)
                return float(loss.d(trainer.discriminator(problem.real), trainer.discriminator(fake),
                                    trainer.real_target))
            return float(loss.g(trainer.discriminator(trainer.generator(problem.z))))
    finally:
        trainer.gan.train()


@pytest.mark.parametrize("player", ["discriminator", "generator"])
def test_the_slice_at_the_origin_is_the_current_loss(trainer, player):
    problem = snapshot(trainer, player, batch_size=64, seed=3)
    seen = []
    result = loss_slice(problem, resolution=7, span=0.5, chunk=10, progress=seen.append)
    assert result["loss"].shape == (7, 7)
    assert result["alpha"][3] == 0 and result["beta"][3] == 0
    current = _current_loss(trainer, problem)
    assert result["center_loss"] == pytest.approx(current, rel=1e-6)
    assert result["loss"][3, 3] == pytest.approx(current, rel=1e-5)
    assert result["loss"].std() > 1e-4  # the directions do move the loss
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 5  # 49 points in chunks of 10


def test_directions_are_filter_normalised_and_skip_biases():
    rng = torch.Generator().manual_seed(0)
    params = {"w": torch.randn(5, 3, 2, 2), "b": torch.randn(5)}
    d = filter_normalised_direction(params, rng)
    np.testing.assert_allclose(d["w"].flatten(1).norm(dim=1), params["w"].flatten(1).norm(dim=1), rtol=1e-5)
    assert torch.count_nonzero(d["b"]) == 0


def test_snapshot_is_a_copy_training_can_go_on(trainer):
    problem = snapshot(trainer, "discriminator", batch_size=32)
    before = loss_slice(problem, resolution=3)
    trainer.step(3)  # the live networks move on
    after = loss_slice(problem, resolution=3)
    np.testing.assert_array_equal(before["loss"], after["loss"])
    assert problem.step == trainer.step_count - 3


def test_spectral_norm_and_dropout_networks_slice_too():
    trainer = Trainer(TrainConfig().replace(**TINY, **{"model.spectral_norm": True, "model.dropout": 0.3,
                                                       "loss": "hinge"}))
    trainer.step(2)
    problem = snapshot(trainer, "discriminator", batch_size=32)
    result = loss_slice(problem, resolution=3, span=0.2)
    assert result["loss"][1, 1] == pytest.approx(_current_loss(trainer, problem), rel=1e-5)


def test_bad_arguments_are_named(trainer):
    with pytest.raises(ValueError, match="player"):
        snapshot(trainer, "referee")
    with pytest.raises(ValueError, match="resolution"):
        loss_slice(snapshot(trainer, batch_size=8), resolution=1)
