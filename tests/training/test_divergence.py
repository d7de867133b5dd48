"""Divergence: a non-finite loss, gradient or weight stops training with an explanation that
names what broke and when, and the networks stay at their last good state, ready to use."""
import time

import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.training import METRICS, DivergenceError, Trainer
from ganviz.training.trainer import LABELS
from ganviz.training.gan import GAN
from ganviz.training.worker import TrainingWorker

# LSGAN's quadratic loss with Adam at the largest allowed learning rate blows up at step 2.
DIVERGING = dict(loss="lsgan", lr_g=1.0, lr_d=1.0, batch_size=32, model=dict(width=128, depth=3))
STABLE = dict(loss="ns", lr_g=1e-3, lr_d=1e-3, batch_size=32, model=dict(width=32, depth=2))



def _weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in trainer.gan.state_dict().items()}


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_too_high_learning_rate_stops_with_metric_and_step_and_restores():
    trainer = Trainer(TrainConfig(**DIVERGING), device="cpu")
    trainer.step(1)  # one good step: the state to come back to
    good, good_history = _weights(trainer), trainer.history.as_dict()
    with pytest.raises(DivergenceError) as info:
        trainer.step(10)
    err = info.value
    message = str(err)
    named = [m for m in METRICS if message.startswith(f"{LABELS[m]} ({m}) became ")]
    assert named, f"the message should start with the metric that broke: {message}"
    assert 1 < err.step <= 11 and f"at step {err.step}" in message
    assert "learning rate" in message and "restored to step 1" in message
    assert trainer.step_count == 1
    _assert_same(_weights(trainer), good)
    assert trainer.history.as_dict() == good_history  # no NaN rows recorded
    assert all(torch.isfinite(v).all() for v in _weights(trainer).values())


def test_last_good_state_can_be_saved_and_resumed_with_a_lower_learning_rate(tmp_path):
    trainer = Trainer(TrainConfig(**DIVERGING), device="cpu")
    with pytest.raises(DivergenceError):
        trainer.step(10)
    trainer.save(tmp_path / "last-good")
    gan = GAN.from_pretrained(tmp_path / "last-good")
    _assert_same({k: v for k, v in gan.state_dict().items()}, _weights(trainer))
    calmer = trainer.config.replace(lr_g=1e-4, lr_d=1e-4)
    resumed = Trainer(calmer, device="cpu", gan=gan)
    metrics = resumed.step(20)
    assert all(np.isfinite(metrics[m]).all() for m in METRICS)


def test_nan_weights_with_finite_losses_are_caught(monkeypatch):
    """The last update of a call can break the weights before any loss sees it; the next call's
    backup would then already be broken. The trainer must notice at the end of the call."""
    trainer = Trainer(TrainConfig(**STABLE), device="cpu")
    trainer.step(2)
    good = _weights(trainer)
    real_g_step, calls = trainer.g_step, []

    def g_step_that_breaks_the_last_update():
        metrics = real_g_step()
        calls.append(1)
        if len(calls) == 3:
            with torch.no_grad():
                next(trainer.generator.parameters()).fill_(float("inf"))
        return metrics

    monkeypatch.setattr(trainer, "g_step", g_step_that_breaks_the_last_update)
    with pytest.raises(DivergenceError) as info:
        trainer.step(3)
    assert str(info.value).startswith("generator weights became non-finite at step 5")
    assert info.value.step == 5
    assert trainer.step_count == 2
    _assert_same(_weights(trainer), good)


def test_frozen_player_metrics_are_not_divergence():
    trainer = Trainer(TrainConfig(**STABLE), device="cpu")
    metrics = trainer.step(2, train_d=False)
    assert np.isnan(metrics["d_loss"]).all() and np.isfinite(metrics["g_loss"]).all()


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_worker_reports_divergence_and_pauses_at_the_last_good_step():
    worker = TrainingWorker(Trainer(TrainConfig(**DIVERGING), device="cpu"), chunk=5)
    try:
        worker.start(target=500)
        _wait(lambda: not worker.running)
        snap = worker.snapshot()
        assert snap.error is not None and "became" in snap.error and "at step" in snap.error
        assert snap.step % 5 == 0 and snap.step < 500  # back at the start of the failing chunk
        assert all(np.isfinite(v).all() for v in snap.history.values())
        assert worker.alive  # the thread survives and waits for the next start
        # The restored networks still sample fine.
        assert torch.isfinite(worker.call(lambda t: t.generate(n=8))).all()
    finally:
        worker.close()
