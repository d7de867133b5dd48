import gc

import pytest
import torch

from ganviz import resources
from ganviz.config import TrainConfig
from ganviz.resources import OverBudget, claimed_memory
from ganviz.training import Trainer
from ganviz.resources import MB
from ganviz.training.memory import estimate_training_memory
from ganviz.training.population import Population

HOSTILE = {"model.width": 4096, "model.depth": 16, "remedy": "mixture", "n_generators": 64}  # the link


def test_the_estimate_counts_the_parameters_the_real_networks_have():
    for changes, shape, classes in [({}, [2], 0), ({"remedy": "pacgan", "pack": 4}, [2], 0),
                                    ({"data.name": "digits", "model.arch": "dcgan", "model.conditional": True,
                                      "batch_size": 32}, [1, 28, 28], 10)]:
        config = TrainConfig().replace(**changes)
        trainer = Trainer(config)
        real = sum(p.numel() for p in trainer.gan.parameters())
        estimate = estimate_training_memory(config, shape, classes)
        assert estimate.parameters == real
        assert estimate.weights >= 4 * real and estimate.optimizer == 4 * 4 * real
        assert estimate.activations > 0 and estimate.traced


def test_activations_grow_with_the_batch_and_with_unrolled_and_penalised_discriminators():
    base = TrainConfig()
    small, large = (estimate_training_memory(base.replace(batch_size=b), [2]).activations for b in (64, 256))
    assert large == 4 * small
    plain = estimate_training_memory(base, [2]).activations
    assert estimate_training_memory(base.replace(remedy="unrolled", unroll_steps=5), [2]).activations > plain
    assert estimate_training_memory(base.replace(r1_weight=1.0), [2]).activations > plain


def test_minibatch_discriminations_batch_by_batch_distances_are_counted_and_bound_the_measured_peak():
    """Its distances grow with the batch squared, beyond every layer's output; found by the fuzz
    suite: at batch 7,022 one update took 9.8 GB while the estimate said a few MB."""
    import resource

    minibatch = TrainConfig().replace(**{"data.name": "grid25", "remedy": "minibatch", "model.width": 64})
    small, large = (estimate_training_memory(minibatch.replace(batch_size=b), [2]).activations for b in (500, 1000))
    assert large > 3.9 * small  # quadratic, where a network's layers alone give 2x
    with pytest.raises(OverBudget, match="per run"):
        Trainer(minibatch.replace(batch_size=7022))
    trainer = Trainer(minibatch.replace(batch_size=1000), device="cpu")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    trainer.step(1)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert grown <= estimate_training_memory(trainer.config, [2]).total  # an upper bound of what one update took


def test_a_run_over_the_budget_is_refused_before_any_network_is_allocated(monkeypatch):
    def must_not_build(*args, **kwargs):
        raise AssertionError("the real networks were built")

    monkeypatch.setattr("ganviz.training.trainer.GAN", must_not_build)
    gc.collect()
    before = claimed_memory()
    # the bare G and D (503,533,571 parameters) are already too many: the 64 generators are not built
    with pytest.raises(OverBudget, match=r"at least [\d,]+ MB \(503,533,571 parameters.*"
                                         r"limit of 1,536 MB per run \(GANVIZ_RUN_MEMORY_MB\)"):
        Trainer(TrainConfig().replace(**HOSTILE))
    assert claimed_memory() == before


def test_a_remedy_that_multiplies_networks_is_weighed_once_the_bare_networks_fit():
    config = TrainConfig().replace(**{"remedy": "mixture", "n_generators": 64, "model.width": 512, "model.depth": 4})
    bare = estimate_training_memory(config.replace(remedy="none"), [2])
    mixture = estimate_training_memory(config, [2], above=bare.total)
    assert not mixture.traced and mixture.parameters > 30 * bare.parameters  # 64 generators beside one D


def test_the_per_run_budget_is_configurable(monkeypatch):
    monkeypatch.setenv(resources.RUN_MEMORY_ENV, "1")
    with pytest.raises(OverBudget, match=r"limit of 1 MB per run"):
        Trainer(TrainConfig())
    monkeypatch.setenv(resources.RUN_MEMORY_ENV, "lots")
    with pytest.raises(ValueError, match="GANVIZ_RUN_MEMORY_MB: must be a whole number"):
        Trainer(TrainConfig())


def test_the_server_budget_counts_live_trainings_and_frees_what_they_held(monkeypatch):
    gc.collect()
    config = TrainConfig().replace(batch_size=4096)
    need = estimate_training_memory(config, [2]).total
    room = (claimed_memory() + need * 3 // 2) // MB + 1  # room for one such training, not two
    monkeypatch.setenv(resources.SERVER_MEMORY_ENV, str(room))
    first = Trainer(config)
    with pytest.raises(OverBudget, match=rf"already hold about [\d,]+ MB of its {room:,} MB \(GANVIZ_SERVER_MEMORY_MB\)"):
        Trainer(config)
    del first  # the first visitor leaves: its claim goes with its trainer
    second = Trainer(config)
    assert second.step_count == 0


def test_a_phase_diagram_claims_every_member(monkeypatch):
    config = TrainConfig().replace(batch_size=64)
    one = estimate_training_memory(config, [2])
    monkeypatch.setenv(resources.RUN_MEMORY_ENV, str(10 * one.total // MB + 1))
    with pytest.raises(OverBudget, match=r"This phase diagram would need about .*\(64 GANs"):
        Population([config.replace(seed=s) for s in range(64)], device="cpu")
    assert Population([config.replace(seed=s) for s in range(4)], device="cpu").size == 4


def test_nothing_is_left_on_the_meta_device_or_in_hooks():
    config = TrainConfig()
    estimate_training_memory(config, [2])
    trainer = Trainer(config)
    assert all(p.device == torch.device("cpu") for p in trainer.gan.parameters())
    trainer.step(2)
    assert trainer.step_count == 2


def test_the_optimiser_state_counted_is_each_players_own():
    config = TrainConfig()
    trainer = Trainer(config)
    g, d = (sum(p.numel() * p.element_size() for p in net.parameters())
            for net in (trainer.generator, trainer.discriminator))
    # per weight: a gradient and the update's temporaries, plus what the player's optimiser keeps
    kept = {"adam": 2, "sgd": 0, "sgd+momentum": 1, "rmsprop": 1, "rmsprop+momentum+centered": 3}
    settings = {"adam": {}, "sgd": {}, "sgd+momentum": {"momentum": 0.9}, "rmsprop": {},
                "rmsprop+momentum+centered": {"momentum": 0.9, "rmsprop_centered": True}}
    for g_choice, d_choice in [("adam", "adam"), ("sgd", "sgd"), ("sgd+momentum", "adam"), ("rmsprop", "sgd"),
                               ("rmsprop+momentum+centered", "rmsprop+momentum+centered")]:
        changes = {**settings[g_choice], **settings[d_choice], "optimizer_g": g_choice.split("+")[0],
                   "optimizer_d": d_choice.split("+")[0]}
        estimate = estimate_training_memory(config.replace(**changes), [2])
        assert estimate.optimizer == (2 + kept[g_choice]) * g + (2 + kept[d_choice]) * d, (g_choice, d_choice)
    sgd, adam = (estimate_training_memory(config.replace(optimizer_g=o, optimizer_d=o), [2]) for o in ("sgd", "adam"))
    assert sgd.total < adam.total and "optimiser state" in str(sgd)
