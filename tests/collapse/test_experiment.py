import numpy as np
import pytest
import torch

from ganviz.collapse.experiment import (LAB_IMAGES, REMEDY_SETTINGS, SHOWCASE, TREATMENTS, SideBySide, lab_frame, lesson,
                                        measure, preset, train, treated)
from ganviz.training import DivergenceError, Trainer

TINY = {"model.width": 8, "model.depth": 1, "batch_size": 16, "device": "cpu"}


def test_preset_is_the_collapse_setup_with_per_dataset_remedy_settings():
    cfg = preset("grid25", "pacgan", seed=4)
    assert (cfg.lr_g, cfg.lr_d, cfg.beta1) == (1e-3, 1e-4, 0.5)
    assert cfg.data.std == 0.05 and cfg.seed == 4
    assert cfg.pack == REMEDY_SETTINGS[("pacgan", "grid25")]["pack"]
    assert preset("ring8", lr_d=2e-4).lr_d == 2e-4
    with pytest.raises(ValueError, match="dataset"):
        preset("moons")
    with pytest.raises(ValueError, match="remedy"):
        preset("ring8", "magic")


def test_treatments_change_only_what_they_name():
    base = preset("ring8", **TINY)
    assert treated(base, "wgan-gp").loss == "wgan-gp"
    assert treated(base, "spectral-norm").model.spectral_norm
    assert treated(base, "unrolled").remedy == "unrolled"
    assert treated(base, "mixture").replace(remedy="none") == base
    assert set(TREATMENTS) >= {"unrolled", "minibatch", "feature-matching", "historical-averaging", "pacgan",
                               "mixture", "ttur", "r1"}


def test_side_by_side_steps_both_arms_together_and_records_both():
    lab = SideBySide(preset("ring8", **TINY), "pacgan", eval_samples=200)
    lab.step(2)
    lab.step(1, train_d=False)
    assert lab.step_count == 3 and lab.trainers["treated"].step_count == 3
    history = lab.history.as_dict()
    assert history["step"] == [0, 2, 3]
    assert len(history["plain.modes"]) == 3 and len(history["treated.high_quality"]) == 3
    assert lab.latest["treated"]["num_modes"] == 8
    # the plain arm is exactly a plain run of the same config and seed
    alone = Trainer(preset("ring8", **TINY))
    alone.step(2)
    alone.step(1, train_d=False)
    z = torch.randn(5, alone.config.model.latent_dim)
    assert torch.equal(alone.generate(z), lab.trainers["plain"].generate(z))


def test_side_by_side_stays_in_lockstep_when_the_treated_arm_diverges(monkeypatch):
    lab = SideBySide(preset("ring8", **TINY), "unrolled", eval_samples=100)
    lab.step(1)
    z = torch.randn(4, lab.trainers["plain"].config.model.latent_dim)
    before = lab.trainers["plain"].generate(z)

    def diverge(*args, **kwargs):
        raise DivergenceError("g_loss became nan", 2)

    monkeypatch.setattr(lab.trainers["treated"], "step", diverge)
    with pytest.raises(DivergenceError):
        lab.step(1)
    assert lab.trainers["plain"].step_count == 1
    assert torch.equal(lab.trainers["plain"].generate(z), before)


def test_train_reports_final_metrics_and_a_timeline():
    progress = []
    result = train(preset("ring8", **TINY), 4, eval_every=2, eval_samples=100,
                   progress=lambda step, report: progress.append((step, report is not None)))
    assert result["timeline"]["step"] == [2, 4] and progress == [(2, True), (4, True)]
    assert result["final"]["num_modes"] == 8 and result["trainer"].step_count == 4
    with pytest.raises(ValueError, match="steps"):
        train(preset("ring8", **TINY), 0)


# -- on images: the shapes' 24 shape x colour modes, read by the shape factor network -------------------
SMALL_IMAGES = {"model.channels": 8, "model.latent_dim": 16, "batch_size": 16, "device": "cpu"}


def test_the_image_lab_is_the_shipped_shapes_recipe_with_pacgan_beside_it():
    config = lesson("shapes", 3)
    assert (config.data.name, config.model.arch, config.model.channels, config.batch_size) == ("shapes", "dcgan", 32, 64)
    assert (config.lr_g, config.lr_d, config.remedy, config.seed) == (2e-4, 2e-4, "none", 3)
    assert treated(config, SHOWCASE["shapes"]).remedy == "pacgan" and config.pack == 2


def test_an_image_lab_measures_both_arms_over_the_shapes_modes_and_shows_their_pictures():
    lab = SideBySide(preset("shapes", **SMALL_IMAGES), "pacgan", eval_samples=120)
    lab.step(2)
    history = lab.history.as_dict()
    assert history["step"] == [0, 2] and len(history["treated.mass.23"]) == 2
    assert "plain.js" not in history  # grid divergences are 2D only
    report = lab.latest["plain"]
    assert report["num_modes"] == 24 and report["modes_names"][0] == "red circle"
    assert sum(report["mass"]) == pytest.approx(1.0)
    frame = lab_frame(lab)
    grid = frame["treated"]["view"]
    assert frame["treated"]["means"] is None and grid.dtype == np.uint8 and grid.shape[2] == 3
    assert grid.shape[:2] == (6 * 34 + 2, 8 * 34 + 2)  # LAB_IMAGES = 48 pictures of 32 + 2 px, 8 a row
    assert LAB_IMAGES == 48
    assert frame["plain"]["metrics"]["modes_held"] == report["modes_held"]


def test_a_headless_image_run_has_the_same_timeline_without_the_grid_divergences():
    result = train(preset("shapes", **SMALL_IMAGES), 2, eval_every=1, eval_samples=100)
    assert result["timeline"]["step"] == [1, 2] and "js" not in result["timeline"]
    assert result["final"]["num_modes"] == 24


def test_mode_metrics_on_images_need_data_whose_modes_are_known():
    digits = Trainer(preset("shapes", **SMALL_IMAGES).replace(**{"data.name": "digits", "data.image_size": 28}))
    with pytest.raises(ValueError, match="known modes"):
        measure(digits, 10)
