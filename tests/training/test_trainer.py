import json

import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.training import METRICS, DivergenceError, Trainer


def small(**changes) -> TrainConfig:
    base = {"model.width": 32, "model.depth": 2, "model.latent_dim": 4, "batch_size": 64}
    return TrainConfig().replace(**(base | changes))


def test_same_seed_same_config_gives_identical_loss_history():
    runs = []
    for _ in range(2):
        trainer = Trainer(small(loss="wgan-gp", n_critic=2), device="cpu")
        trainer.step(15)
        runs.append(trainer.history.as_dict())
    for key in METRICS:
        assert runs[0][key] == runs[1][key], key
    other = Trainer(small(loss="wgan-gp", n_critic=2, seed=1), device="cpu")
    other.step(15)
    assert other.history.as_dict()["d_loss"] != runs[0]["d_loss"]


def test_step_records_every_metric_and_the_history_grows():
    trainer = Trainer(small(), device="cpu")
    values = trainer.step(5)
    assert set(values) == set(METRICS) | {"time"}
    assert all(len(v) == 5 for v in values.values())
    trainer.step(3)
    history = trainer.history.as_dict()
    assert history["step"] == list(range(1, 9)) and trainer.step_count == 8
    assert all(np.isfinite(history[k]).all() for k in METRICS)
    assert np.all(np.diff(history["time"]) >= 0)
    assert 0 < history["d_real"][-1] < 1  # probabilities for the BCE losses


def test_freezing_a_player_leaves_its_weights_untouched():
    trainer = Trainer(small(), device="cpu")
    g_before = [p.clone() for p in trainer.generator.parameters()]
    d_before = [p.clone() for p in trainer.discriminator.parameters()]
    values = trainer.step(2, train_g=False)
    assert all(torch.equal(a, b) for a, b in zip(g_before, trainer.generator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, trainer.discriminator.parameters()))
    assert np.isnan(values["g_loss"]).all() and np.isfinite(values["d_loss"]).all()
    d_now = [p.clone() for p in trainer.discriminator.parameters()]
    trainer.step(1, train_d=False)
    assert all(torch.equal(a, b) for a, b in zip(d_now, trainer.discriminator.parameters()))
    with pytest.raises(ValueError):
        trainer.step(1, train_d=False, train_g=False)


def test_n_critic_ttur_and_betas_reach_the_optimisers():
    trainer = Trainer(small(n_critic=3, lr_g=1e-4, lr_d=4e-4, beta1=0.0, beta2=0.9), device="cpu")
    trainer.step(2)
    d_state = next(iter(trainer.opt_d.state.values()))
    g_state = next(iter(trainer.opt_g.state.values()))
    assert d_state["step"].item() == 6 and g_state["step"].item() == 2
    assert trainer.opt_d.param_groups[0]["lr"] == 4e-4 and trainer.opt_g.param_groups[0]["lr"] == 1e-4
    assert trainer.opt_d.param_groups[0]["betas"] == (0.0, 0.9)


def test_wgan_clips_and_wgan_gp_penalises_by_default():
    clipped = Trainer(small(loss="wgan", lr_d=0.05), device="cpu")
    clipped.step(3)
    assert max(p.abs().max().item() for p in clipped.discriminator.parameters()) <= 0.01 + 1e-7
    assert Trainer(small(loss="wgan-gp"), device="cpu").gp_weight == 10
    assert Trainer(small(loss="wgan-gp", gp_weight=2.0), device="cpu").gp_weight == 2.0
    assert Trainer(small(loss="ns"), device="cpu").gp_weight == 0


def test_regularisers_change_the_discriminator_update():
    def d_grad(**changes):
        trainer = Trainer(small(**changes), device="cpu")
        trainer.d_step()
        return torch.cat([p.detach().flatten() for p in trainer.discriminator.parameters()])
    plain = d_grad()
    for changes in ({"r1_weight": 10.0}, {"gp_weight": 10.0}, {"weight_decay": 0.1}, {"label_smoothing": 0.2}):
        assert not torch.equal(plain, d_grad(**changes)), changes


def test_divergence_restores_the_last_good_state_and_names_the_step():
    trainer = Trainer(small(), device="cpu")
    trainer.step(2)
    with torch.no_grad():
        trainer.discriminator.head.linear.weight.fill_(float("nan"))
    poisoned = {k: v.clone() for k, v in trainer.gan.state_dict().items()}
    with pytest.raises(DivergenceError, match=r"became nan at step 3") as err:
        trainer.step(4)
    assert err.value.step == 3 and trainer.step_count == 2 and len(trainer.history) == 2
    for key, value in trainer.gan.state_dict().items():  # back to the state before the failing call
        assert torch.allclose(value.float(), poisoned[key].float(), equal_nan=True), key


def test_checkpoint_round_trip_reproduces_the_generator(tmp_path):
    trainer = Trainer(small(), device="cpu")
    trainer.step(3)
    folder = trainer.save(tmp_path / "ckpt")
    assert {"config.json", "model.safetensors", "metrics.json"} <= {p.name for p in folder.iterdir()}
    config = json.loads((folder / "config.json").read_text())
    assert config["train"] == trainer.config.to_dict() and config["shape"] == [2]
    assert len(json.loads((folder / "metrics.json").read_text())["history"]["step"]) == 3
    loaded = Trainer.from_checkpoint(str(folder), device="cpu")
    z = torch.randn(10, 4)
    assert torch.equal(loaded.generate(z), trainer.generate(z))
    assert loaded.config == trainer.config


def test_image_gan_trains_on_digits_conditionally():
    config = TrainConfig.from_dict({"data": {"name": "digits"}, "batch_size": 16,
                                    "model": {"arch": "dcgan", "channels": 8, "latent_dim": 8, "conditional": True}})
    trainer = Trainer(config, device="cpu")
    trainer.step(2)
    images = trainer.generate(n=10)
    assert images.shape == (10, 1, 28, 28) and trainer.num_classes == 10
    assert trainer.fixed_y is not None


def test_generate_is_deterministic_and_does_not_disturb_training_randomness():
    a, b = Trainer(small(), device="cpu"), Trainer(small(), device="cpu")
    a.generate(n=8)
    a.sample_pairs(50, seed=3)
    a.step(3)
    b.step(3)
    assert a.history.as_dict()["g_loss"] == b.history.as_dict()["g_loss"]
