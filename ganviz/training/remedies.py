"""The mode-collapse remedy registry.

Each remedy is one class: its ``label``, ``description`` and the TrainConfig ``fields`` that set
it up (the app's form shows them when it is chosen, the CLI's help names it beside them), the
constraints it puts on a config (``check``), and the hooks that do the work. It changes a GAN
through four hooks the :class:`~ganviz.training.trainer.Trainer` calls; each defaults to "no
change", so a remedy overrides only what it touches:

- ``wrap_models(G, D)``: swap in modified networks (packing, minibatch features, mixtures).
- ``discriminator_penalty(trainer)``: a term added to D's loss.
- ``generator_loss(trainer, fake, y, default)``: G's loss given its fakes and the plain loss.
- ``after_step(trainer)``: bookkeeping after each full D+G update.

Discriminators whose output for one sample depends on the rest of its batch (packing,
minibatch discrimination) also offer ``pointwise(x, y=None, reference=None)``: what D says
about each point on its own, which is what a heatmap of D over the plane needs
(:func:`score_points`).
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from ganviz.config import REMEDIES
from ganviz.models import build_models
from ganviz.models.layers import ProjectionHead
from ganviz.training.optimizers import entry_of


class Remedy:
    label = "none"
    description = "The plain GAN: nothing is done against mode collapse."
    fields: tuple[str, ...] = ()
    # True when the hooks are pure tensor work, drawing randomness only from the trainer's
    # generator and keeping no Python-side state between updates: then the CUDA-graph fast path
    # may replay them (ganviz.training.fast). Checked against the eager path on a GPU in the tests.
    graph_safe = False

    def __init__(self, config):
        self.config = config

    @classmethod
    def check(cls, config, prefix: str = "") -> None:
        """Raise ValueError naming the field if ``config`` cannot run this remedy (its own fields'
        ranges are the config's spec)."""

    def wrap_models(self, generator: nn.Module, discriminator: nn.Module) -> tuple[nn.Module, nn.Module]:
        return generator, discriminator

    def discriminator_penalty(self, trainer) -> torch.Tensor | None:
        return None

    def generator_loss(self, trainer, fake: torch.Tensor, y: torch.Tensor | None, default) -> torch.Tensor:
        return default(trainer.discriminator(fake, y))

    def after_step(self, trainer) -> None:
        return None


def score_points(discriminator: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None,
                 reference: torch.Tensor | None = None) -> torch.Tensor:
    """D's logit for each row of ``x`` judged alone (``reference``: a batch to judge it among)."""
    pointwise = getattr(discriminator, "pointwise", None)
    return pointwise(x, y, reference) if pointwise is not None else discriminator(x, y)


def _feature_width(discriminator: nn.Module) -> int:
    return discriminator.head.linear.in_features


# ---------------------------------------------------------------------------------------------
# Unrolled GAN (Metz et al. 2017)
# ---------------------------------------------------------------------------------------------

class Unrolled(Remedy):
    """G is scored by a copy of D advanced k optimiser steps ahead, differentiating through
    those steps: G sees how D would react to its move, so hopping to the mode D currently
    trusts no longer pays. The look-ahead replays D's own optimiser step (the registry's pure
    update, with D's optimiser state: Adam's moment estimates, a momentum buffer) on a functional
    copy of D's parameters."""

    label = "unrolled GAN"
    description = ("G looks k discriminator updates ahead and is scored by that future D; "
                   "gradients flow back through the unrolled updates (Metz et al. 2017).")
    fields = ("unroll_steps",)

    def lookahead(self, trainer, real, real_y, fake, y) -> dict[str, torch.Tensor]:
        """D's parameters after ``unroll_steps`` steps of D's optimiser on this batch, starting from a
        copy of the live ones: differentiable functions of ``fake`` (the live D is left untouched)."""
        disc, opt = trainer.discriminator, trainer.opt_d
        optimizer, group = entry_of(opt), opt.param_groups[0]  # the group holds lr and the settings
        live = dict(disc.named_parameters())
        params = {n: p.detach().clone().requires_grad_(True) for n, p in live.items()}
        buffers = dict(disc.named_buffers())
        states, steps = {}, {}
        for n, p in live.items():
            state = opt.state.get(p, {})  # empty before D's first step: the buffers start at zero
            states[n] = {k: state.get(k, torch.zeros_like(p)) for k in optimizer.buffers(group)}
            steps[n] = float(state.get("step", 0))
        for _ in range(self.config.unroll_steps):
            loss = trainer.loss.d(functional_call(disc, (params, buffers), (real, real_y)),
                                  functional_call(disc, (params, buffers), (fake, y)), trainer.real_target)
            grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
            stepped = {}
            for (n, p), g in zip(params.items(), grads):
                steps[n] += 1
                stepped[n], states[n] = optimizer.update(p, g, states[n], steps[n], group, differentiable=True)
            params = stepped
        return params

    def generator_loss(self, trainer, fake, y, default):
        real, real_y = trainer.real_batch(fake.shape[0])
        params = self.lookahead(trainer, real, real_y, fake, y)
        disc = trainer.discriminator
        return default(functional_call(disc, (params, dict(disc.named_buffers())), (fake, y)))


# ---------------------------------------------------------------------------------------------
# Minibatch discrimination (Salimans et al. 2016, section 3.2)
# ---------------------------------------------------------------------------------------------

class MinibatchDiscriminator(nn.Module):
    """D's features plus, per sample, how close it is to the others in its batch: a batch of
    near-identical fakes is now easy to reject, which a per-sample D cannot see."""

    def __init__(self, discriminator: nn.Module, kernels: int = 8, kernel_dim: int = 4, sn: bool = False):
        super().__init__()
        width = _feature_width(discriminator)
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.inner = discriminator
        self.inner.head = None  # replaced by a head that also reads the batch statistics
        self.tensor = nn.Parameter(torch.randn(width, kernels * kernel_dim) * 0.1)
        self.head = ProjectionHead(width + kernels, discriminator.num_classes, sn)

    def closeness(self, h: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        """o(x_i)_b = sum_j exp(-||M_i,b - M_j,b||_1) over the rows j of ``reference`` (a sum in
        the paper; we return the mean, which keeps D's input in [0, 1] whatever the batch size)."""
        rows = (h @ self.tensor).view(-1, self.kernels, self.kernel_dim).transpose(0, 1)
        others = (reference @ self.tensor).view(-1, self.kernels, self.kernel_dim).transpose(0, 1)
        distance = torch.cdist(rows, others, p=1)  # (kernels, rows, others)
        return torch.exp(-distance).mean(2).t()

    def features(self, x, y=None):
        h = self.inner.features(x, y)
        return torch.cat([h, self.closeness(h, h)], 1)

    def pairwise_bytes(self, batch_size: int) -> int:
        """What one pass over a batch holds beyond its layers' outputs: the (kernels, batch, batch)
        distances and their exp, and the L1 distance's backward with one such tensor per kernel
        dimension (float32). Quadratic in the batch: 8 GB at batch 7,000, where the layers hold a
        few MB (measured in docs/reliability.md)."""
        return self.kernels * batch_size ** 2 * 4 * (self.kernel_dim + 2)

    def forward(self, x, y=None):
        return self.head(self.features(x, y), y)

    def pointwise(self, x, y=None, reference=None):
        """D's output for each point as if it alone joined the batch ``reference`` (alone if None)."""
        h = self.inner.features(x, y)
        stats = h.new_ones(len(h), self.kernels)  # the point's closeness to itself, exp(0)
        if reference is not None:
            n = len(reference)
            stats = (stats + n * self.closeness(h, self.inner.features(reference))) / (n + 1)
        return self.head(torch.cat([h, stats], 1), y)


class MinibatchDiscrimination(Remedy):
    label = "minibatch discrimination"
    graph_safe = True
    description = ("D also sees how similar each sample is to the rest of its batch, so a collapsed "
                   "batch of near-copies gives itself away (Salimans et al. 2016).")

    def wrap_models(self, generator, discriminator):
        return generator, MinibatchDiscriminator(discriminator, sn=self.config.model.spectral_norm)


# ---------------------------------------------------------------------------------------------
# Feature matching (Salimans et al. 2016, section 3.1)
# ---------------------------------------------------------------------------------------------

class FeatureMatching(Remedy):
    """G no longer maximises D's output: it matches the mean of D's penultimate features on
    real data, a target that does not move to one point the way D's favourite output does."""

    label = "feature matching"
    graph_safe = True
    description = ("G matches the average of D's hidden features on real data instead of fooling D "
                   "outright (Salimans et al. 2016).")

    def generator_loss(self, trainer, fake, y, default):
        real, real_y = trainer.real_batch(fake.shape[0])
        disc = trainer.discriminator
        with torch.no_grad():
            target = disc.features(real, real_y).mean(0)
        return (disc.features(fake, y).mean(0) - target).pow(2).sum()


# ---------------------------------------------------------------------------------------------
# Historical averaging (Salimans et al. 2016, section 3.3)
# ---------------------------------------------------------------------------------------------

class HistoricalAveraging(Remedy):
    """Each player pays ``remedy_weight * ||theta - mean of its past thetas||^2``: a brake on the
    cycling in which G chases D's favourite mode and D chases G."""

    label = "historical averaging"
    description = ("Both players are pulled towards the average of their own past parameters, damping "
                   "the chase from mode to mode (Salimans et al. 2016).")
    fields = ("remedy_weight",)

    def __init__(self, config):
        super().__init__(config)
        self.averages: dict[str, list[torch.Tensor]] = {}
        self.count = 0

    def _penalty(self, module: nn.Module, key: str) -> torch.Tensor:
        params = list(module.parameters())
        if key not in self.averages:
            self.averages[key] = [p.detach().clone() for p in params]
        return self.config.remedy_weight * sum((p - a).pow(2).sum() for p, a in zip(params, self.averages[key]))

    def discriminator_penalty(self, trainer):
        return self._penalty(trainer.discriminator, "d")

    def generator_loss(self, trainer, fake, y, default):
        return default(trainer.discriminator(fake, y)) + self._penalty(trainer.generator, "g")

    @torch.no_grad()
    def after_step(self, trainer):
        self.count += 1
        for key, module in (("d", trainer.discriminator), ("g", trainer.generator)):
            if key in self.averages:
                for avg, p in zip(self.averages[key], module.parameters()):
                    avg.add_(p - avg, alpha=1.0 / (self.count + 1))


# ---------------------------------------------------------------------------------------------
# PacGAN (Lin et al. 2018)
# ---------------------------------------------------------------------------------------------

class PackedDiscriminator(nn.Module):
    """D judges ``pack`` samples at once, concatenated: m draws from a collapsed G look alike,
    m real draws do not, so packing turns a lack of diversity into evidence."""

    def __init__(self, discriminator: nn.Module, pack: int):
        super().__init__()
        self.inner, self.pack = discriminator, pack

    def _packed(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        if n % self.pack:
            raise ValueError(f"PacGAN packs {self.pack} samples per input; a batch of {n} does not divide")
        return x.reshape(n // self.pack, self.pack * x.shape[1], *x.shape[2:])

    def features(self, x, y=None):
        return self.inner.features(self._packed(x))

    def forward(self, x, y=None):
        return self.inner(self._packed(x))

    def pointwise(self, x, y=None, reference=None):
        """D's output for a pack of m copies of each point."""
        return self.forward(x.repeat_interleave(self.pack, 0))


class PacGAN(Remedy):
    label = "PacGAN"
    graph_safe = True
    description = ("D judges m samples packed together, so a generator that repeats itself is easy to "
                   "catch (Lin et al. 2018).")
    fields = ("pack",)

    @classmethod
    def check(cls, config, prefix: str = "") -> None:
        if config.batch_size % config.pack:
            raise ValueError(f"{prefix}batch_size: PacGAN packs {config.pack} samples per discriminator input, "
                             f"so the batch size must be a multiple of pack; got {config.batch_size}")

    def wrap_models(self, generator, discriminator):
        if getattr(generator, "num_classes", 0):
            raise ValueError("remedy: PacGAN packs unconditional samples; turn model.conditional off")
        shape = generator.out_shape
        packed_shape = (shape[0] * self.config.pack, *shape[1:])
        packed_d = build_models(self.config.model, packed_shape)[1]
        return generator, PackedDiscriminator(packed_d, self.config.pack)


# ---------------------------------------------------------------------------------------------
# A mixture of generators (MAD-GAN, Ghosh et al. 2018; MGAN, Hoang et al. 2018)
# ---------------------------------------------------------------------------------------------

class GeneratorMixture(nn.Module):
    """k independently initialised generators; sample i comes from generator i mod k."""

    def __init__(self, generators: list[nn.Module]):
        super().__init__()
        self.components = nn.ModuleList(generators)
        first = generators[0]
        self.latent_dim, self.num_classes, self.out_shape = first.latent_dim, first.num_classes, first.out_shape

    def component_of(self, n: int, device=None) -> torch.Tensor:
        return torch.arange(n, device=device) % len(self.components)

    def forward(self, z, y=None):
        k = len(self.components)
        parts = [g(z[i::k], None if y is None else y[i::k]) for i, g in enumerate(self.components)]
        order = torch.cat([torch.arange(i, len(z), k, device=z.device) for i in range(k)])
        return torch.cat(parts).index_select(0, torch.argsort(order))


class IdentifyingDiscriminator(nn.Module):
    """D plus a classifier on D's features that names the generator a fake came from."""

    def __init__(self, discriminator: nn.Module, n_generators: int):
        super().__init__()
        self.inner = discriminator
        self.classifier = nn.Linear(_feature_width(discriminator), n_generators)

    def features(self, x, y=None):
        return self.inner.features(x, y)

    def forward(self, x, y=None):
        return self.inner(x, y)

    def identify(self, x, y=None):
        return self.classifier(self.inner.features(x, y))


def _reinitialised(module: nn.Module) -> nn.Module:
    clone = copy.deepcopy(module)
    for m in clone.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return clone


class Mixture(Remedy):
    """k generators share one D; a classifier head on D's features must tell which generator made a
    fake, and each generator is rewarded for being recognisable. Generators that sit on the same
    mode are indistinguishable, so they are pushed onto different modes. The identification term is
    MGAN's (Hoang et al. 2018), the multi-agent idea MAD-GAN's (Ghosh et al. 2018)."""

    label = "mixture of generators"
    graph_safe = True
    description = ("Several generators share one D, which must also tell them apart; being "
                   "recognisable pushes them onto different modes (MAD-GAN / MGAN).")
    fields = ("n_generators", "remedy_weight")

    @classmethod
    def check(cls, config, prefix: str = "") -> None:
        if config.batch_size < config.n_generators:
            raise ValueError(f"{prefix}batch_size: each of the {config.n_generators} generators needs a sample "
                             f"in every batch; got {config.batch_size}")

    def wrap_models(self, generator, discriminator):
        k = self.config.n_generators
        mixture = GeneratorMixture([generator] + [_reinitialised(generator) for _ in range(k - 1)])
        return mixture, IdentifyingDiscriminator(discriminator, k)

    def _identification_loss(self, trainer, fake, y):
        target = trainer.generator.component_of(len(fake), fake.device)
        return self.config.remedy_weight * F.cross_entropy(trainer.discriminator.identify(fake, y), target)

    def discriminator_penalty(self, trainer):
        z, y = trainer.latent(trainer.config.batch_size)
        with torch.no_grad():
            fake = trainer.generator(z, y)
        return self._identification_loss(trainer, fake, y)

    def generator_loss(self, trainer, fake, y, default):
        return default(trainer.discriminator(fake, y)) + self._identification_loss(trainer, fake, y)


REMEDIES.update({
    "none": Remedy,
    "unrolled": Unrolled,
    "minibatch": MinibatchDiscrimination,
    "feature-matching": FeatureMatching,
    "historical-averaging": HistoricalAveraging,
    "pacgan": PacGAN,
    "mixture": Mixture,
})
