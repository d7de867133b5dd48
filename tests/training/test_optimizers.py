"""The optimiser registry: each player trains with the torch optimiser and settings its config names,
the pure updates (batched populations, the unrolled look-ahead) step as torch's own do, and the
fast path fuses what torch fuses."""
import numpy as np
import pytest
import torch

from ganviz.config import TrainConfig
from ganviz.training import METRICS, Trainer
from ganviz.training.optimizers import OPTIMIZERS
from ganviz.training.population import Population

SMALL = {"model.width": 16, "model.depth": 2, "batch_size": 32, "device": "cpu"}
SETTINGS = {"momentum": 0.9, "rmsprop_alpha": 0.9, "rmsprop_centered": True, "beta1": 0.3, "beta2": 0.95}
# what each torch optimiser's param group must then hold
EXPECTED = {"adam": {"betas": (0.3, 0.95)}, "sgd": {"momentum": 0.9},
            "rmsprop": {"alpha": 0.9, "momentum": 0.9, "centered": True}}
PAIRS = [("sgd", "rmsprop"), ("rmsprop", "adam"), ("adam", "sgd")]


def small(**changes) -> TrainConfig:
    return TrainConfig().replace(**{**SMALL, **changes})


@pytest.mark.parametrize("g, d", PAIRS)
@pytest.mark.parametrize("fast", [False, "auto"])
def test_each_player_trains_with_the_optimiser_and_settings_it_names(g, d, fast):
    config = small(optimizer_g=g, optimizer_d=d, lr_g=2e-3, lr_d=5e-3, **SETTINGS)
    trainer = Trainer(config, fast=fast)
    before = {name: [p.clone() for p in net.parameters()] for name, net in
              (("g", trainer.generator), ("d", trainer.discriminator))}
    out = trainer.step(4)
    assert all(np.isfinite(out[k]).all() for k in METRICS)
    for player, opt, name, lr in (("g", trainer.opt_g, g, 2e-3), ("d", trainer.opt_d, d, 5e-3)):
        entry = OPTIMIZERS[name]
        assert type(opt) is entry.torch_class, player
        group = opt.param_groups[0]
        assert group["lr"] == lr and all(group[k] == v for k, v in EXPECTED[name].items()), (player, group)
        assert set(next(iter(opt.state.values()))) - {"step"} == set(entry.buffers(group)), player
        net = trainer.generator if player == "g" else trainer.discriminator
        assert any(not torch.equal(a, b) for a, b in zip(before[player], net.parameters())), player


def test_the_default_run_keeps_adam_for_both_players():
    config = TrainConfig()
    assert (config.optimizer_g, config.optimizer_d) == ("adam", "adam")
    trainer = Trainer(small())
    assert type(trainer.opt_g) is type(trainer.opt_d) is torch.optim.Adam


def test_the_fast_path_fuses_what_torch_fuses_and_matches_the_plain_path():
    config = small(optimizer_g="sgd", optimizer_d="rmsprop", momentum=0.5)
    plain, fast = Trainer(config, fast=False), Trainer(config)
    assert fast.opt_g.param_groups[0]["fused"] and not fast.opt_d.param_groups[0].get("fused")
    assert "fused SGD (G), RMSprop (D)" in fast.fast.describe()
    a, b = plain.step(5), fast.step(5)
    for name in METRICS:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-4, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name, settings", [
    ("adam", {"beta1": 0.5, "beta2": 0.999}), ("adam", {"beta1": 0.0, "beta2": 0.9}),
    ("sgd", {"momentum": 0.0}), ("sgd", {"momentum": 0.9}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.5, "rmsprop_centered": True, "rmsprop_alpha": 0.9})])
def test_the_pure_update_steps_as_torchs_optimiser(name, settings):
    entry, config = OPTIMIZERS[name], TrainConfig().replace(**settings)
    rng = torch.Generator().manual_seed(0)
    start = torch.randn(5, 3, generator=rng)
    grads = [torch.randn(5, 3, generator=rng) for _ in range(4)]
    live = start.clone().requires_grad_(True)
    opt = entry.build([live], 0.01, config)
    pure = {"exact": start.clone(), "differentiable": start.clone()}
    states = {kind: {k: torch.zeros_like(start) for k in entry.buffers(opt.param_groups[0])} for kind in pure}
    for step, g in enumerate(grads, 1):
        live.grad = g.clone()
        opt.step()
        for kind in pure:
            pure[kind], states[kind] = entry.update(pure[kind], g, states[kind], step, opt.param_groups[0],
                                                    differentiable=kind == "differentiable")
    torch.testing.assert_close(pure["exact"], live.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(pure["differentiable"], live.detach(), rtol=1e-4, atol=1e-5)
    for k, v in states["exact"].items():
        torch.testing.assert_close(v, opt.state[live][k], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("g, d", PAIRS)
def test_population_members_retrace_trainers_with_any_optimiser(g, d):
    configs = [small(optimizer_g=g, optimizer_d=d, seed=1, momentum=0.9, rmsprop_alpha=0.9),
               small(optimizer_g=g, optimizer_d=d, seed=2, momentum=0.0, lr_d=3e-3)]  # momentum per member
    population = Population(configs, streams="member")
    got = population.step(3)
    for i, config in enumerate(configs):
        trainer = Trainer(config, fast=False)
        want = trainer.step(3)
        for name in METRICS:
            np.testing.assert_allclose(got[name][:, i], want[name], rtol=1e-4, atol=1e-6, err_msg=f"member {i}: {name}")
        for name, p in trainer.generator.named_parameters():
            torch.testing.assert_close(population.generator.params[name][i], p, rtol=1e-4, atol=1e-6)


def test_a_population_shares_its_optimisers():
    with pytest.raises(ValueError, match="optimizer_d: must be the same for every member"):
        Population([small(), small(optimizer_d="sgd")])


@pytest.mark.parametrize("d, settings", [("sgd", {"momentum": 0.9}), ("rmsprop", {"momentum": 0.5}),
                                         ("rmsprop", {"rmsprop_centered": True})])
def test_one_unrolled_step_equals_scoring_g_with_d_after_its_own_optimisers_step(d, settings):
    config = small(remedy="unrolled", unroll_steps=1, optimizer_d=d, lr_d=0.05, **settings)
    trainer = Trainer(config, fast=False)
    trainer.step(2)  # D's optimiser has state (a momentum buffer, running averages) to replay
    fake = trainer.generate(torch.randn(16, config.model.latent_dim))
    rng = trainer.rng.get_state()
    unrolled = trainer.remedy.generator_loss(trainer, fake, None, trainer.loss.g)
    trainer.rng.set_state(rng)
    real = trainer.real_batch(16)[0]
    d_loss = trainer.loss.d(trainer.discriminator(real), trainer.discriminator(fake), 1.0)
    scored_now = trainer.loss.g(trainer.discriminator(fake)).item()
    trainer.opt_d.zero_grad()
    d_loss.backward()
    trainer.opt_d.step()
    after = trainer.loss.g(trainer.discriminator(fake)).item()
    assert unrolled.item() == pytest.approx(after, rel=1e-4) and after != pytest.approx(scored_now, rel=1e-3)
