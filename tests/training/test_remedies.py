import numpy as np
import pytest
import torch
from torch.func import functional_call

from ganviz.collapse.experiment import preset
from ganviz.config import TrainConfig
from ganviz.training import Trainer
from ganviz.training.remedies import REMEDIES, GeneratorMixture, score_points

TINY = {"model.width": 16, "model.depth": 2, "model.latent_dim": 2, "batch_size": 16, "device": "cpu"}


def tiny(remedy="none", dataset="ring8", **changes):
    return Trainer(preset(dataset, remedy, 0, **{**TINY, **changes}))


@pytest.mark.parametrize("remedy", list(REMEDIES))
def test_every_remedy_trains_and_round_trips_through_a_checkpoint(remedy, tmp_path):
    trainer = tiny(remedy)
    metrics = trainer.step(3)
    assert all(np.isfinite(v).all() for v in metrics.values())
    trainer.save(tmp_path)
    again = Trainer.from_checkpoint(str(tmp_path), device="cpu")
    z = torch.randn(8, 2)
    assert torch.allclose(trainer.generate(z), again.generate(z))
    real = trainer.real_batch(16)[0]
    assert torch.allclose(trainer.discriminator(real), again.discriminator(real))


def test_remedy_settings_are_validated_with_the_field_named():
    with pytest.raises(ValueError, match="batch_size: PacGAN packs 4"):
        TrainConfig(remedy="pacgan", pack=4, batch_size=18)
    with pytest.raises(ValueError, match="batch_size: each of the 8 generators"):
        TrainConfig(remedy="mixture", n_generators=8, batch_size=4)
    with pytest.raises(ValueError, match="unroll_steps"):
        TrainConfig(unroll_steps=0)
    assert TrainConfig(remedy="pacgan", pack=3, batch_size=18).pack == 3
    assert TrainConfig.from_json(TrainConfig(unroll_steps=7).to_json()).unroll_steps == 7


def test_unrolled_generator_gradient_flows_through_the_unrolled_steps():
    trainer = tiny("unrolled", unroll_steps=5, lr_d=0.05)  # a big D step: large second-order terms
    trainer.step(2)
    disc = trainer.discriminator
    before = {n: p.detach().clone() for n, p in disc.named_parameters()}
    opt_state = {k: v["exp_avg"].clone() for k, v in trainer.opt_d.state.items()}
    trainer.gan.double()  # float64 so that a finite difference can referee
    fake = trainer.generate(torch.randn(16, 2, dtype=torch.float64)).requires_grad_(True)
    real = trainer.real_batch(16)[0].double()
    remedy = trainer.remedy

    def g_loss(x, through_updates=True):
        params = remedy.lookahead(trainer, real, None, x if through_updates else x.detach(), None)
        return trainer.loss.g(functional_call(disc, params, (x,)))

    (true_grad,) = torch.autograd.grad(g_loss(fake), fake)
    (first_order_grad,) = torch.autograd.grad(g_loss(fake, through_updates=False), fake)
    assert torch.isfinite(true_grad).all()
    assert g_loss(fake).item() == pytest.approx(g_loss(fake, False).item())  # the same look-ahead D
    # a central difference along a random direction matches the unrolled gradient, not the first-order one
    direction = torch.randn_like(fake, generator=torch.Generator().manual_seed(0))
    direction /= direction.norm()
    h = 1e-5
    numeric = (g_loss(fake + h * direction).item() - g_loss(fake - h * direction).item()) / (2 * h)
    true_slope, first_order_slope = (true_grad * direction).sum().item(), (first_order_grad * direction).sum().item()
    assert numeric == pytest.approx(true_slope, rel=1e-5, abs=1e-9)
    assert abs(numeric - first_order_slope) > 100 * abs(numeric - true_slope)
    # D itself and its optimiser are untouched: the look-ahead works on a copy
    assert all(torch.equal(before[n].double(), p) for n, p in disc.named_parameters())
    assert all(torch.equal(opt_state[k], v["exp_avg"]) for k, v in trainer.opt_d.state.items())


def test_one_unrolled_step_equals_scoring_g_with_d_after_its_adam_step():
    trainer = tiny("unrolled", unroll_steps=1)
    trainer.step(1)
    fake = trainer.generate(torch.randn(16, 2))
    rng = trainer.rng.get_state()
    unrolled = trainer.remedy.generator_loss(trainer, fake, None, trainer.loss.g)
    # do the real Adam step on D with the same batch, then score the fakes
    trainer.rng.set_state(rng)
    real = trainer.real_batch(16)[0]
    d_loss = trainer.loss.d(trainer.discriminator(real), trainer.discriminator(fake), 1.0)
    trainer.opt_d.zero_grad()
    d_loss.backward()
    trainer.opt_d.step()
    assert unrolled.item() == pytest.approx(trainer.loss.g(trainer.discriminator(fake)).item(), rel=1e-4)


def test_pacgan_discriminator_judges_packs_and_rejects_uneven_batches():
    trainer = tiny("pacgan", pack=4)
    disc = trainer.discriminator
    x = torch.randn(16, 2)
    assert disc(x).shape == (4,)
    assert disc.inner.body[0][0].in_features == 8  # 4 samples x 2 coordinates
    with pytest.raises(ValueError, match="packs 4"):
        disc(torch.randn(6, 2))
    assert score_points(disc, torch.randn(5, 2)).shape == (5,)  # each point as a pack of copies


def test_minibatch_discrimination_sees_the_batch():
    trainer = tiny("minibatch")
    disc = trainer.discriminator
    x = torch.randn(16, 2)
    collapsed = x[:1].repeat(16, 1)
    alone = disc(x[:1])
    assert not torch.allclose(disc(torch.cat([x[:1], collapsed[1:]]))[0], disc(x)[0])
    assert torch.allclose(score_points(disc, x[:1]), alone)  # judged alone = a batch of one
    assert score_points(disc, x, reference=collapsed).shape == (16,)


def test_mixture_routes_sample_i_to_generator_i_mod_k_and_names_it():
    trainer = tiny("mixture", n_generators=3)
    gen = trainer.generator
    assert isinstance(gen, GeneratorMixture) and len(gen.components) == 3
    z = torch.randn(7, 2)
    out = trainer.generate(z)
    for i in range(7):
        assert torch.allclose(out[i], gen.components[i % 3](z[i:i + 1])[0], atol=1e-6)
    w = [g.out.weight for g in gen.components]
    assert not torch.equal(w[0], w[1])  # independently initialised
    assert trainer.discriminator.identify(out).shape == (7, 3)
    assert gen.component_of(7).tolist() == [0, 1, 2, 0, 1, 2, 0]


def test_historical_averaging_pulls_towards_the_mean_of_past_parameters():
    trainer = tiny("historical-averaging")
    history = [torch.cat([p.detach().flatten() for p in trainer.generator.parameters()])]
    for _ in range(3):
        trainer.step(1)
        history.append(torch.cat([p.detach().flatten() for p in trainer.generator.parameters()]))
    average = torch.cat([a.flatten() for a in trainer.remedy.averages["g"]])
    assert torch.allclose(average, torch.stack(history).mean(0), atol=1e-6)
    fake = trainer.generate(torch.randn(16, 2))
    plain = trainer.loss.g(trainer.discriminator(fake))
    penalised = trainer.remedy.generator_loss(trainer, fake, None, trainer.loss.g)
    distance = ((history[-1] - average) ** 2).sum()
    assert penalised.item() == pytest.approx(plain.item() + distance.item(), rel=1e-5)


def test_feature_matching_is_zero_when_fakes_match_reals_and_moves_g_otherwise():
    trainer = tiny("feature-matching")
    rng = trainer.rng.get_state()
    real = trainer.real_batch(16)[0]
    trainer.rng.set_state(rng)
    assert trainer.remedy.generator_loss(trainer, real, None, trainer.loss.g).item() == pytest.approx(0, abs=1e-10)
    fake = trainer.generator(torch.randn(16, 2))
    loss = trainer.remedy.generator_loss(trainer, fake, None, trainer.loss.g)
    loss.backward()
    assert loss.item() > 0 and trainer.generator.out.weight.grad.abs().sum() > 0


def test_functional_call_accepts_the_spectral_norm_parametrisation():
    trainer = tiny("unrolled", **{"model.spectral_norm": True})
    assert np.isfinite(trainer.step(2)["g_loss"]).all()
    params = dict(trainer.discriminator.named_parameters())
    assert any("parametrizations" in n for n in params)
    x = torch.randn(4, 2)
    trainer.discriminator.eval()  # no power iteration between the two calls
    assert torch.allclose(functional_call(trainer.discriminator, params, (x,)), trainer.discriminator(x))


def test_a_remedys_own_constraints_name_the_field():
    with pytest.raises(ValueError, match="^batch_size: PacGAN packs 4 samples"):
        TrainConfig(remedy="pacgan", pack=4, batch_size=10)
    with pytest.raises(ValueError, match="^batch_size: each of the 8 generators"):
        TrainConfig(remedy="mixture", n_generators=8, batch_size=4)
    assert TrainConfig(remedy="pacgan", pack=4, batch_size=12).pack == 4
