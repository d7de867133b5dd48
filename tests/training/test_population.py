"""A population is N Trainers at once: member i retraces Trainer(configs[i]) (own streams), settings
differ per member, diverged members are marked while the rest train on."""
import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.training import METRICS, Trainer
from ganviz.training.population import Population, check_batchable

SMALL = {"model.width": 16, "model.depth": 2, "batch_size": 32, "device": "cpu"}


def small(**changes) -> TrainConfig:
    return TrainConfig().replace(**{**SMALL, **changes})


def test_members_retrace_separate_trainers():
    configs = [small(seed=1, lr_d=3e-4, beta1=0.8, weight_decay=1e-3), small(seed=2, loss="wgan-gp", n_critic=2),
               small(seed=3, loss="lsgan", label_smoothing=0.1, r1_weight=0.5), small(seed=4, loss="wgan")]
    population = Population(configs, streams="member")
    got = population.step(3)
    for i, config in enumerate(configs):
        trainer = Trainer(config, fast=False)
        want = trainer.step(3)
        for name in METRICS:
            np.testing.assert_allclose(got[name][:, i], want[name], rtol=1e-4, atol=1e-6,
                                       err_msg=f"member {i} ({config.loss}): {name}")
        for name, p in trainer.discriminator.named_parameters():
            torch.testing.assert_close(population.discriminator.params[name][i], p, rtol=1e-4, atol=1e-6)


def test_settings_are_per_member():
    same = Population([small(seed=7), small(seed=7)], streams="member")
    same.step(3)
    for p in same.generator.parameters:
        assert torch.equal(p[0], p[1])
    lrs = Population([small(seed=7, lr_g=1e-4), small(seed=7, lr_g=1e-2)], streams="member")
    lrs.step(3)
    moved = [(p[0] - p[1]).abs().max().item() for p in lrs.generator.parameters]
    assert max(moved) > 1e-3
    d_same = [torch.equal(p[0], p[1]) for p in lrs.discriminator.parameters]
    assert not all(d_same)  # D then sees different fakes


def test_shapes_history_and_scores():
    population = Population([small(seed=s) for s in range(3)])
    out = population.step(4)
    assert set(out) == set(METRICS) and all(v.shape == (4, 3) for v in out.values())
    assert population.step_count == 4 and population.history.as_dict()["step"] == [1, 2, 3, 4]
    np.testing.assert_allclose(population.history.last()["d_loss"], out["d_loss"][-1].mean(), rtol=1e-6)
    assert population.samples(100).shape == (3, 100, 2)
    scores = population.mode_metrics(200)
    assert len(scores) == 3 and all(0 <= s["modes"] <= 8 for s in scores)


def test_a_diverged_member_is_marked_and_the_rest_train_on():
    population = Population([small(seed=s) for s in range(3)])
    population.step(2)
    with torch.no_grad():
        next(iter(population.discriminator.params.values()))[1].fill_(float("nan"))
    out = population.step(3)
    assert population.diverged_at.tolist() == [0, 3, 0]
    assert np.isfinite(out["d_loss"][:, [0, 2]]).all() and np.isnan(out["d_loss"][:, 1]).all()
    assert np.isfinite(population.history.last()["d_loss"])


@pytest.mark.parametrize("change, field", [({"batch_size": 64}, "batch_size"), ({"model.width": 8}, "model"),
                                           ({"data.name": "grid25"}, "data")])
def test_shared_settings_must_agree(change, field):
    with pytest.raises(ValueError, match=field):
        check_batchable([small(), small(**change)])


@pytest.mark.parametrize("change, field", [({"model.arch": "dcgan", "data.name": "digits"}, "model.arch"),
                                           ({"model.batchnorm": True}, "model.batchnorm"),
                                           ({"remedy": "pacgan"}, "remedy")])
def test_only_plain_mlp_gans_batch(change, field):
    with pytest.raises(ValueError, match=field):
        check_batchable([small(**change)])


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least one"):
        Population([])
    with pytest.raises(ValueError, match="streams"):
        Population([small()], streams="each")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("streams", ["shared", "member"])
def test_graph_replays_match_eager_population_on_gpu(streams):
    configs = [TrainConfig().replace(**{"device": "cuda", "seed": s, "lr_d": lr, "loss": loss, "n_critic": k})
               for s, (lr, loss, k) in enumerate([(1e-3, "ns", 1), (1e-4, "wgan-gp", 2), (3e-3, "hinge", 1)])]
    eager, graphed = Population(configs, streams=streams, fast=False), Population(configs, streams=streams)
    a = [eager.step(n) for n in (2, 10)]
    b = [graphed.step(n) for n in (2, 10)]
    assert graphed.graphed is not None and graphed.graphed.graph is not None
    for x, y in zip(a, b):
        for name in METRICS:
            np.testing.assert_allclose(y[name][:5], x[name][:5], rtol=2e-3, atol=1e-5, err_msg=name)
