"""The fast path: its graph body equals the plain update (on CPU, run eagerly), fused Adam matches
the default one, it says why it cannot use graphs, and on a GPU (when there is one) its replays
match the plain path."""
import types

import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.training import METRICS, Trainer
from ganviz.training.fast import FastPath, GraphedLoop, graph_safe
from ganviz.training.remedies import REMEDIES, Remedy

SMALL = {"model.width": 16, "model.depth": 2, "batch_size": 32}
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def small(**changes) -> TrainConfig:
    return TrainConfig().replace(**{"device": "cpu", **SMALL, **changes})


@pytest.mark.parametrize("changes", [{}, {"loss": "wgan-gp", "n_critic": 2}])
def test_graph_body_run_eagerly_equals_the_plain_path(changes):
    config = small(**changes)
    plain = Trainer(config, fast=False)
    expected = plain.step(4)

    graphed = Trainer(config, fast=False)
    loop = GraphedLoop(graphed.update, [graphed.rng])
    loop.allocate(torch.zeros(len(METRICS)))
    for _ in range(4):
        loop.record()
    rows = loop.buffer[:4].numpy()
    assert loop.cursor.item() == 4
    for i, name in enumerate(METRICS):
        np.testing.assert_array_equal(rows[:, i], expected[name], err_msg=name)
    for a, b in zip(plain.gan.parameters(), graphed.gan.parameters()):
        assert torch.equal(a, b)


def test_on_cpu_the_fast_path_is_fused_adam_and_says_why_there_are_no_graphs():
    trainer = Trainer(small())
    assert trainer.fast.active and not trainer.fast.graphs
    assert "CUDA" in trainer.fast.reason and "fused Adam" in trainer.fast.describe()
    assert all(g["fused"] for g in trainer.opt_d.param_groups + trainer.opt_g.param_groups)
    off = Trainer(small(), fast=False)
    assert not off.fast.active and not off.opt_d.param_groups[0].get("fused")
    with pytest.warns(UserWarning, match="no CUDA graphs"):
        Trainer(small(), fast=True)
    with pytest.raises(ValueError, match="fast"):
        Trainer(small(), fast="yes")


@pytest.mark.parametrize("changes", [{}, {"loss": "wgan-gp", "n_critic": 2}])
def test_cpu_fast_path_matches_the_plain_path(changes):
    plain, fast = Trainer(small(**changes), fast=False), Trainer(small(**changes))
    a, b = plain.step(5), fast.step(5)
    for name in METRICS:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-4, atol=1e-6, err_msg=name)
    for p, q in zip(plain.gan.parameters(), fast.gan.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-4, atol=1e-6)


def test_only_declared_remedies_are_replayed():
    config = small()
    assert graph_safe(Remedy(config))
    declared = type("Declared", (Remedy,), {"graph_safe": True})
    assert graph_safe(declared(config))
    stateful = [name for name, cls in REMEDIES.items() if cls is not Remedy and not getattr(cls, "graph_safe", False)]
    if not stateful:
        pytest.skip("every registered remedy declares itself graph-safe")
    remedy = REMEDIES[stateful[0]](config)
    adam = lambda: torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # noqa: E731
    gpu_trainer = types.SimpleNamespace(device=torch.device("cuda"), remedy=remedy, opt_g=adam(), opt_d=adam())
    fast = FastPath(gpu_trainer, "auto")  # decided before any CUDA call
    assert fast.active and not fast.graphs and repr(remedy.label) in fast.reason


def test_signature_changes_when_the_graph_would_read_stale_memory():
    trainer = Trainer(small(), fast=False)
    trainer.step(2)
    fast = FastPath(trainer, False)
    before = fast.signature()
    trainer.step(2)  # in-place updates: same addresses
    assert fast.signature() == before
    trainer.load_state_dict(trainer.state_dict())  # new optimiser state tensors
    after_restore = fast.signature()
    assert after_restore != before
    trainer.opt_d.param_groups[0]["lr"] = 0.5  # a learning rate baked into the graph
    assert fast.signature() != after_restore


# -- on a GPU ------------------------------------------------------------------------------------
def gpu(**changes) -> TrainConfig:
    return TrainConfig().replace(**{"device": "cuda", "model.width": 64, "batch_size": 128, **changes})


@cuda
@pytest.mark.parametrize("changes", [{}, {"loss": "wgan-gp", "n_critic": 3}, {"loss": "wgan"},
                                     {"data.name": "digits", "model.arch": "dcgan", "model.channels": 8},
                                     {"optimizer_g": "sgd", "optimizer_d": "rmsprop", "momentum": 0.9},
                                     {"optimizer_g": "rmsprop", "optimizer_d": "sgd", "rmsprop_centered": True},
                                     *({"remedy": name, "n_generators": 4, "pack": 2}
                                       for name, cls in REMEDIES.items() if cls.graph_safe)])
def test_graph_replays_match_the_plain_path(changes):
    plain, fast = Trainer(gpu(**changes), fast=False), Trainer(gpu(**changes), fast=True)
    assert fast.fast.graphs, fast.fast.reason
    a = [plain.step(n) for n in (2, 8, 300)]  # warm-up, capture, more updates than one buffer holds
    b = [fast.step(n) for n in (2, 8, 300)]
    assert fast.fast.loops[(True, True)].graph is not None
    for x, y in zip(a, b):
        for name in METRICS:
            np.testing.assert_allclose(y[name][:5], x[name][:5], rtol=2e-3, atol=1e-5, err_msg=name)
    assert fast.step_count == 310 and len(fast.history) == 310


@cuda
def test_a_restored_state_is_recaptured_and_replays_deterministically():
    trainer = Trainer(gpu(), fast=True)
    trainer.step(20)
    state = trainer.state_dict()
    first = trainer.step(30)["d_loss"]
    trainer.load_state_dict(state)
    again = trainer.step(30)["d_loss"]
    np.testing.assert_array_equal(first, again)


@cuda
def test_step_mode_graphs_freeze_the_other_player():
    trainer = Trainer(gpu(), fast=True)
    g_before = [p.clone() for p in trainer.generator.parameters()]
    out = trainer.step(10, train_g=False)
    assert np.isnan(out["g_loss"]).all() and np.isfinite(out["d_loss"]).all()
    assert all(torch.equal(a, b) for a, b in zip(g_before, trainer.generator.parameters()))
    assert (True, False) in trainer.fast.loops
