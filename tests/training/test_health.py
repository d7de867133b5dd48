"""The "D wins outright" diagnosis on synthetic histories: it fires on a run whose discriminator
sits at its floor for good, and stays quiet on healthy runs, early transients and critics."""
import json
import math

import numpy as np
import pytest

from ganviz.cli import main
from ganviz.config import TrainConfig
from ganviz.training import health
from ganviz.training.health import IMAGE_SETUP, WARMUP, WINDOW, diagnose, suggestions, undecided_loss

DIGITS_MLP = TrainConfig().replace(**{"data.name": "digits", "loss": "minimax"})


def history(d_loss, d_real=None, d_fake=None, stride: int = 1) -> dict:
    """A History.as_dict() with one record per ``stride`` updates."""
    d_loss = np.asarray(d_loss, dtype=float)
    n = len(d_loss)
    return {"step": list(range(stride, stride * n + 1, stride)), "d_loss": d_loss.tolist(),
            "d_real": list(np.full(n, 0.5) if d_real is None else d_real),
            "d_fake": list(np.full(n, 0.5) if d_fake is None else d_fake),
            "g_loss": [0.7] * n}


def won_after(start: int, total: int, floor: float = 1e-4) -> np.ndarray:
    """D's loss near 2 log 2 (undecided) until update ``start``, then at the floor."""
    rng = np.random.default_rng(0)
    loss = 1.3 + 0.1 * rng.standard_normal(total)
    loss[start:] = floor * rng.random(total - start)
    return loss


def test_undecided_loss_is_what_each_loss_scores_at_zero_logits():
    assert undecided_loss("ns") == pytest.approx(2 * math.log(2))
    assert undecided_loss("minimax") == pytest.approx(2 * math.log(2))
    assert undecided_loss("hinge") == pytest.approx(2.0)
    assert undecided_loss("lsgan") == pytest.approx(0.5)
    assert undecided_loss("wgan-gp") == 0.0


def test_fires_when_d_sits_at_its_floor_after_the_warmup():
    n = 600
    loss = won_after(150, n)
    d_real, d_fake = np.where(np.arange(n) < 150, 0.6, 0.9999), np.where(np.arange(n) < 150, 0.4, 1e-4)
    diagnosis = diagnose(history(loss, d_real, d_fake), DIGITS_MLP)
    assert diagnosis is not None
    assert diagnosis.step == n and diagnosis.d_loss < 1e-3
    assert diagnosis.d_real == pytest.approx(0.9999) and diagnosis.d_fake == pytest.approx(1e-4)
    assert "winning outright" in diagnosis.message and "D(x) ≈ 1.000" in diagnosis.message
    labels = [s.label for s in diagnosis.suggestions]
    assert labels[0] == "DCGAN architecture" and "Non-saturating loss" in labels
    assert all(s.label in diagnosis.message for s in diagnosis.suggestions)


def test_quiet_on_a_healthy_run():
    rng = np.random.default_rng(1)
    assert diagnose(history(1.2 + 0.2 * rng.standard_normal(2000)), DIGITS_MLP) is None


def test_quiet_before_the_warmup_and_after_a_recovery():
    assert diagnose(history(np.full(WARMUP - 1, 1e-5)), DIGITS_MLP) is None
    # D won for a while, then G caught up: half of the last window back at the undecided level
    loss = won_after(100, 1000)
    loss[-WINDOW // 2:] = 1.3
    assert diagnose(history(loss), DIGITS_MLP) is None


def test_near_zero_is_relative_to_the_losss_undecided_value():
    loss = np.full(WARMUP + WINDOW, 0.03)
    assert diagnose(history(loss), DIGITS_MLP.replace(loss="hinge")) is not None  # 0.03 of 2: at the floor
    assert diagnose(history(loss), DIGITS_MLP.replace(loss="lsgan")) is None      # 0.03 of 0.5: not quite


def test_a_wasserstein_critic_is_never_diagnosed():
    """Its loss has no floor at 0: a critic at 0 has not won anything."""
    assert diagnose(history(np.zeros(1000)), DIGITS_MLP.replace(loss="wgan-gp")) is None


def test_updates_with_d_frozen_are_left_out():
    loss = won_after(100, 800)
    loss[-WINDOW // 2:] = np.nan  # step mode: only G trained lately
    assert diagnose(history(loss), DIGITS_MLP) is not None
    assert diagnose(history(np.full(800, np.nan)), DIGITS_MLP) is None


def test_a_thinned_history_of_a_long_run_is_still_read():
    """After thinning, a window of WINDOW updates may hold a single record: the check looks further back."""
    assert diagnose(history(won_after(100, 2000), stride=512), DIGITS_MLP) is not None
    assert diagnose(history(np.full(2000, 1.3), stride=512), DIGITS_MLP) is None


def test_suggestions_offer_only_changes_that_differ_and_apply_to_a_valid_config():
    offered = {s.label: s for s in suggestions(DIGITS_MLP)}
    assert offered["DCGAN architecture"].changes == IMAGE_SETUP
    assert offered["Lower D learning rate"].changes == {"lr_d": pytest.approx(DIGITS_MLP.lr_d / 10)}
    dcgan = offered["DCGAN architecture"].apply(DIGITS_MLP)
    assert dcgan.model.arch == "dcgan" and dcgan.loss == "minimax"
    assert "DCGAN architecture" not in {s.label for s in suggestions(dcgan)}
    assert "DCGAN architecture" not in {s.label for s in suggestions(TrainConfig())}  # no images on a toy
    assert {s.label for s in suggestions(DIGITS_MLP.replace(loss="ns"))} >= {"Hinge loss"}
    assert "Hinge loss" not in {s.label for s in suggestions(DIGITS_MLP.replace(loss="hinge"))}


def test_the_train_command_prints_the_diagnosis_on_stderr(tmp_path, capsys, monkeypatch):
    fired = health.Diagnosis(12, 1e-5, undecided_loss("ns"), 1.0, 0.0, suggestions(DIGITS_MLP))
    monkeypatch.setattr(health, "diagnose", lambda history, config: fired)
    assert main(["train", "--steps", "12", "--out", str(tmp_path / "run"), "--quiet",
                 "--model.width", "8", "--batch_size", "16"]) == 0
    out, err = capsys.readouterr()
    assert "warning: The discriminator is winning outright" in err and "DCGAN architecture" in err
    assert json.loads(out.strip().splitlines()[-1])["steps"] == 12  # stdout stays the JSON report
