"""Many toy GANs at once: a population trained as one batched model.

N GANs of one architecture, each with its own seed and hyperparameters (learning rates, Adam
betas, momentum, RMSprop's decay, loss, D steps per G step, penalties, label smoothing), train
together. Their parameters are stacked on a leading member axis
(``torch.func.stack_module_state``) and the core's own MLP modules run for all members at once
(``vmap`` over ``functional_call``), so every layer is one batched matrix product instead of N
small ones. The losses are the registry's functions, vmapped so each member gets its own mean;
each player's optimiser (one for all members, from the registry) applies per-member learning
rates and settings. On a GPU the whole population update is one CUDA graph
(:class:`~ganviz.training.fast.GraphedLoop`), and 64 GANs train in about the time one takes.

With ``streams="member"`` each member draws its data and latents from its own generator, in the
order :class:`~ganviz.training.Trainer` does, so member i retraces ``Trainer(configs[i])`` up to
floating-point rounding. ``streams="shared"`` (the default) draws the whole population's batch in
one call: the same distributions, fewer kernels.

A member whose loss or gradient stops being finite is marked diverged (``diverged_at``); the
others train on, unaffected: no computation mixes members.
"""
from __future__ import annotations

import copy
import time
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state

from ganviz.collapse.coverage import EVAL_SAMPLES, mode_metrics
from ganviz.config import TrainConfig
from ganviz.data import build_dataset
from ganviz.device import resolve_device
from ganviz.resources import claim_memory, run_memory_budget
from ganviz.training.gan import GAN
from ganviz.training.history import History
from ganviz.training.memory import estimate_training_memory
from ganviz.training.losses import LOSSES
from ganviz.training.optimizers import OPTIMIZERS
from ganviz.training.trainer import METRICS

# settings that may differ between members; every other config field must be the same for all
MEMBER_FIELDS = ("loss", "lr_g", "lr_d", "beta1", "beta2", "momentum", "rmsprop_alpha", "n_critic", "gp_weight",
                 "r1_weight", "weight_clip", "weight_decay", "label_smoothing", "seed")


def check_batchable(configs: list[TrainConfig]) -> None:
    """ValueError naming the first setting that keeps these configs from training as one model."""
    if not configs:
        raise ValueError("configs: a population needs at least one member")
    first = configs[0].to_dict()
    for field in MEMBER_FIELDS:
        first.pop(field)
    for i, config in enumerate(configs[1:], 1):
        other = config.to_dict()
        for field, value in first.items():
            if other[field] != value:
                raise ValueError(f"{field}: must be the same for every member of a population "
                                 f"(member 0 has {value!r}, member {i} has {other[field]!r})")
    model = configs[0].model
    unsupported = {"model.arch": model.arch != "mlp", "model.batchnorm": model.batchnorm,
                   "model.spectral_norm": model.spectral_norm, "model.dropout": model.dropout > 0,
                   "model.conditional": model.conditional, "remedy": configs[0].remedy != "none"}
    for field, bad in unsupported.items():
        if bad:
            raise ValueError(f"{field}: populations train plain MLP GANs (arch 'mlp', no batch norm, "
                             f"spectral norm, dropout, conditioning or remedy)")


class StackedModule:
    """N copies of one module evaluated at once: parameters stacked on a leading member axis, the
    module's own forward vmapped over it. ``self(x)`` maps (N, B, ...) to (N, B, ...)."""

    def __init__(self, modules: list[nn.Module], device: torch.device):
        params, buffers = stack_module_state(modules)
        self.params = {k: v.detach().to(device).requires_grad_(True) for k, v in params.items()}
        self.buffers = {k: v.to(device) for k, v in buffers.items()}
        self.base = copy.deepcopy(modules[0]).to("meta")
        self._forward = torch.vmap(lambda p, b, x: functional_call(self.base, (p, b), (x,)))

    @property
    def parameters(self) -> list[torch.Tensor]:
        return list(self.params.values())

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self._forward(self.params, self.buffers, x)


def _per_member(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A (N,) vector shaped to broadcast against a (N, ...) tensor."""
    return t.view(-1, *([1] * (like.dim() - 1)))


def _shaped(value, like: torch.Tensor):
    """A hyperparameter shaped to broadcast against ``like``: (N,) vectors per member, inside tuples
    too (Adam's betas); a switch (RMSprop's centring) as it is."""
    if isinstance(value, tuple):
        return tuple(_shaped(v, like) for v in value)
    return _per_member(value, like) if torch.is_tensor(value) else value


class BatchedOptimizer:
    """A registry optimiser's pure update (:mod:`ganviz.training.optimizers`), applied to stacked
    parameters with a learning rate and settings per member. It keeps the buffers any member's
    settings need: a member without momentum gets a buffer too, which with momentum 0 steps exactly
    as none would. ``step(grads, active)`` leaves members where ``active`` is False untouched."""

    def __init__(self, name: str, params: list[torch.Tensor], lr: torch.Tensor, configs: list[TrainConfig]):
        self.optimizer, self.params = OPTIMIZERS[name], params
        settings = [self.optimizer.settings(c) for c in configs]
        self.hp = {"lr": lr, **{k: _member_values([s[k] for s in settings], lr.device) for k in settings[0]}}
        names = dict.fromkeys(n for s in settings for n in self.optimizer.buffers(s))
        self.state = [{n: torch.zeros_like(p) for n in names} for p in params]
        self.steps = torch.zeros_like(lr)

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor], active: torch.Tensor | None = None) -> None:
        steps = self.steps + (1 if active is None else active.to(self.steps.dtype))
        for p, g, state in zip(self.params, grads, self.state):
            hp = {k: _shaped(v, p) for k, v in self.hp.items()}
            p_new, new = self.optimizer.update(p, g, state, _per_member(steps, p), hp)
            if active is not None:
                keep = _per_member(active, p)
                p_new = torch.where(keep, p_new, p)
                new = {k: torch.where(keep, v, state[k]) for k, v in new.items()}
            p.copy_(p_new)
            for k, v in new.items():
                state[k].copy_(v)
        self.steps.copy_(steps)


def _member_values(values: list, device):
    """One setting across the members: numbers as an (N,) vector, tuples element by element, a
    switch as its one value (settings that are not MEMBER_FIELDS are the same for every member)."""
    if isinstance(values[0], tuple):
        return tuple(_member_values(list(v), device) for v in zip(*values))
    if isinstance(values[0], bool):
        return values[0]
    return torch.tensor(values, dtype=torch.float32, device=device)


class Population:
    """N GANs trained as one model. ``step(n)`` returns each metric as an (n, N) array; the
    ``history`` holds the mean over healthy members, so a :class:`TrainingWorker` can drive a
    population exactly as it drives a Trainer."""

    def __init__(self, configs: list[TrainConfig], *, device: str | torch.device | None = None,
                 streams: str = "shared", fast: bool | str = "auto"):
        check_batchable(configs)
        if streams not in ("shared", "member"):
            raise ValueError(f"streams: must be 'shared' or 'member', got {streams!r}")
        if fast not in (True, False, "auto"):
            raise ValueError(f"fast: must be True, False or 'auto', got {fast!r}")
        self.configs = list(configs)
        self.config = configs[0]  # the settings all members share
        self.size = len(configs)
        self.device = torch.device(device) if device is not None else resolve_device(self.config.device)
        self.dataset = build_dataset(self.config.data).to(self.device)
        if self.dataset.kind != "toy":
            raise ValueError(f"data.name: populations train on the 2D toy datasets, not {self.config.data.name!r}")
        self.batch_size, self.latent_dim = self.config.batch_size, self.config.model.latent_dim

        member = estimate_training_memory(self.config, list(self.dataset.shape), above=run_memory_budget())
        claim_memory(self, member.times(self.size), "This phase diagram")  # before any member is built
        gans = [self._member_gan(c) for c in configs]
        self.generator = StackedModule([g.generator for g in gans], self.device)
        self.discriminator = StackedModule([g.discriminator for g in gans], self.device)

        losses = [LOSSES[c.loss] for c in configs]
        vector = lambda values: torch.tensor(values, dtype=torch.float32, device=self.device)
        self.gp_weight = vector([l.gp_weight if c.gp_weight is None else c.gp_weight for c, l in zip(configs, losses)])
        clip = [l.weight_clip if c.weight_clip is None else c.weight_clip for c, l in zip(configs, losses)]
        self.weight_clip = vector([c if c > 0 else float("inf") for c in clip])
        self.r1_weight = vector([c.r1_weight for c in configs])
        self.weight_decay = vector([c.weight_decay for c in configs])
        self.real_target = vector([1.0 - c.label_smoothing for c in configs])
        self.probabilistic = torch.tensor([l.probabilistic for l in losses], device=self.device)
        self.uses = {"gp": any(self.gp_weight.tolist()), "r1": any(self.r1_weight.tolist()),
                     "clip": any(c > 0 for c in clip), "decay": any(self.weight_decay.tolist())}
        self.loss_groups, self.loss_order = _groups([c.loss for c in configs], self.device)
        self.has_gp = np.array([w > 0 for w in self.gp_weight.tolist()])
        n_critic = np.array([c.n_critic for c in configs])
        # D step k trains the members with n_critic > k: (a host mask for the draws, a device mask
        # for the updates or None when that is everyone)
        self.critic_masks = []
        for k in range(n_critic.max()):
            who = n_critic > k
            self.critic_masks.append((who, None if who.all() else torch.tensor(who, device=self.device)))
        self.opt_g = BatchedOptimizer(self.config.optimizer_g, self.generator.parameters,
                                      vector([c.lr_g for c in configs]), configs)
        self.opt_d = BatchedOptimizer(self.config.optimizer_d, self.discriminator.parameters,
                                      vector([c.lr_d for c in configs]), configs)

        seeds = [c.seed for c in configs] if streams == "member" else [self.config.seed]
        self.streams = streams
        self.rngs = [torch.Generator(self.device).manual_seed(s) for s in seeds]
        self.eval_z = torch.randn(self.size, EVAL_SAMPLES, self.latent_dim, device=self.device,
                                  generator=torch.Generator(self.device).manual_seed(self.config.seed + 1))
        self.history = History(self.config.history_size)
        self.step_count = 0
        self.elapsed = 0.0
        self.last = np.full((self.size, len(METRICS)), np.nan)
        self.diverged_at = np.zeros(self.size, dtype=int)  # 0: still finite
        self.graphed = None
        self.reason = ("turned off" if fast is False else
                       None if self.device.type == "cuda" else "CUDA graphs need a CUDA GPU")
        if self.reason is None:
            from ganviz.training.fast import GraphedLoop

            self.graphed = GraphedLoop(self.update, self.rngs)

    def _member_gan(self, config: TrainConfig) -> GAN:
        """The networks Trainer(config) would start from (same seed, same construction order)."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            return GAN(config.to_dict(), list(self.dataset.shape), 0)

    # -- drawing ---------------------------------------------------------------------------------
    def _draw(self, draw: Callable[[int, torch.Generator], torch.Tensor], shape: tuple,
              who: np.ndarray | None = None) -> torch.Tensor:
        """(N, B, *shape) from ``draw(n, generator)``: one call on the shared stream, or one per
        member on its own stream (members not in ``who`` draw nothing and get zeros)."""
        n = self.batch_size
        if self.streams == "shared":
            return draw(self.size * n, self.rngs[0]).view(self.size, n, *shape)
        return torch.stack([draw(n, g) if who is None or who[i] else torch.zeros(n, *shape, device=self.device)
                            for i, g in enumerate(self.rngs)])

    def _real(self, who=None) -> torch.Tensor:
        return self._draw(self.dataset.sample, tuple(self.dataset.shape), who)

    def _latent(self, who=None) -> torch.Tensor:
        return self._draw(lambda n, g: torch.randn(n, self.latent_dim, generator=g, device=self.device),
                          (self.latent_dim,), who)

    # -- losses and penalties, one value per member ------------------------------------------------
    def _loss(self, kind: str, *args: torch.Tensor) -> torch.Tensor:
        parts = [torch.vmap(getattr(LOSSES[name], kind))(*(a[index] for a in args)) if index is not None
                 else torch.vmap(getattr(LOSSES[name], kind))(*args) for name, index in self.loss_groups.items()]
        return parts[0] if len(parts) == 1 else torch.cat(parts)[self.loss_order]

    def _input_grad(self, x: torch.Tensor) -> torch.Tensor:
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.discriminator(x).sum(), x, create_graph=True)
        return grad

    def _d_step(self, k: int, metrics: dict) -> dict:
        who, active = self.critic_masks[k]
        real = self._real(who)
        z = self._latent(who)
        with torch.no_grad():
            fake = self.generator(z)
        real_out, fake_out = self.discriminator(real), self.discriminator(fake)
        loss = self._loss("d", real_out, fake_out, self.real_target)
        total = loss
        if self.uses["gp"]:  # WGAN-GP on interpolates, as regularizers.gradient_penalty, per member
            alpha = self._draw(lambda n, g: torch.rand(n, 1, generator=g, device=self.device), (1,), who & self.has_gp)
            grad = self._input_grad(alpha * real + (1 - alpha) * fake)
            total = total + self.gp_weight * ((grad.norm(dim=-1) - 1) ** 2).mean(-1)
        if self.uses["r1"]:
            total = total + self.r1_weight * 0.5 * self._input_grad(real).pow(2).sum(-1).mean(-1)
        if self.uses["decay"]:
            total = total + self.weight_decay * _l2(self.discriminator.parameters)
        grads = torch.autograd.grad(total.sum(), self.discriminator.parameters)
        self.opt_d.step(grads, active)
        if self.uses["clip"]:
            with torch.no_grad():
                for p in self.discriminator.parameters:
                    limit = _per_member(self.weight_clip, p)
                    p.copy_(torch.clamp(p, -limit, limit))
        real_out, fake_out = real_out.detach(), fake_out.detach()
        new = {"d_loss": loss.detach(),
               "d_real": torch.where(self.probabilistic, real_out.sigmoid().mean(-1), real_out.mean(-1)),
               "d_fake": torch.where(self.probabilistic, fake_out.sigmoid().mean(-1), fake_out.mean(-1)),
               "grad_norm_d": _norm(grads)}
        if active is None:
            return new
        return {key: torch.where(active, value, metrics[key]) if key in metrics else value
                for key, value in new.items()}

    def _g_step(self) -> dict:
        fake = self.generator(self._latent())
        loss = self._loss("g", self.discriminator(fake))
        total = loss
        if self.uses["decay"]:
            total = total + self.weight_decay * _l2(self.generator.parameters)
        grads = torch.autograd.grad(total.sum(), self.generator.parameters)
        self.opt_g.step(grads)
        return {"g_loss": loss.detach(), "grad_norm_g": _norm(grads)}

    def update(self) -> torch.Tensor:
        """One update of every member -> (N, len(METRICS)) metrics, on the device."""
        metrics: dict[str, torch.Tensor] = {}
        for k in range(len(self.critic_masks)):
            metrics = self._d_step(k, metrics)
        metrics.update(self._g_step())
        return torch.stack([metrics[k].float() for k in METRICS], 1)

    # -- the public loop ----------------------------------------------------------------------
    def step(self, n: int = 1) -> dict[str, np.ndarray]:
        """n updates of every member; each metric comes back as an (n, N) array."""
        if n < 1:
            raise ValueError(f"n: must be >= 1, got {n}")
        start = time.perf_counter()
        rows = self.graphed.run(n) if self.graphed is not None else torch.stack([self.update() for _ in range(n)])
        table = rows.cpu().numpy()  # (n, N, metrics): the one host sync of this call
        if self.graphed is not None and self.graphed.failure:
            self.reason, self.graphed = self.graphed.failure, None
        now = time.perf_counter()
        steps = np.arange(self.step_count + 1, self.step_count + n + 1)
        bad = ~np.isfinite(table).all(-1)
        newly = bad.any(0) & (self.diverged_at == 0)
        self.diverged_at[newly] = steps[bad[:, newly].argmax(0)]
        self.elapsed += now - start
        self.step_count += n
        self.last = table[-1]
        values = {k: table[:, :, i] for i, k in enumerate(METRICS)}
        healthy = self.diverged_at == 0
        means = {k: (v[:, healthy].mean(1) if healthy.any() else np.full(n, np.nan)) for k, v in values.items()}
        means["time"] = self.elapsed - (now - start) * (1 - np.arange(1, n + 1) / n)
        self.history.extend(steps, means)
        return values

    def describe(self) -> str:
        how = "CUDA graph" if self.graphed is not None else f"eager ({self.reason})"
        return f"{self.size} GANs as one batched model, {how}"

    # -- sampling and scoring -----------------------------------------------------------------
    @torch.no_grad()
    def samples(self, n: int = EVAL_SAMPLES) -> torch.Tensor:
        """(N, n, 2) samples of every member from fixed latents (the same ones each call)."""
        if not 0 < n <= EVAL_SAMPLES:
            raise ValueError(f"n: must be in 1..{EVAL_SAMPLES}, got {n}")
        return self.generator(self.eval_z[:, :n])

    def mode_metrics(self, n: int = EVAL_SAMPLES) -> list[dict]:
        """ganviz.collapse.coverage.mode_metrics of every member on n samples (diverged members score 0 modes)."""
        if not hasattr(self.dataset, "means"):
            raise ValueError(f"data.name: mode metrics need a Gaussian mixture, not {self.config.data.name!r}")
        samples = torch.nan_to_num(self.samples(n), nan=1e30).cpu()
        return [mode_metrics(s, self.dataset.means, self.dataset.std) for s in samples]


def _groups(names: list[str], device) -> tuple[dict[str, torch.Tensor | None], torch.Tensor | None]:
    """Member indices by loss name (None when all share one loss), and the permutation that puts
    the concatenated per-group results back in member order."""
    distinct = list(dict.fromkeys(names))
    if len(distinct) == 1:
        return {distinct[0]: None}, None
    groups = {name: [i for i, n in enumerate(names) if n == name] for name in distinct}
    order = np.argsort(np.concatenate(list(groups.values())))
    return ({k: torch.tensor(v, device=device) for k, v in groups.items()},
            torch.tensor(order, device=device))


def _norm(grads: list[torch.Tensor]) -> torch.Tensor:
    """Each member's gradient norm over all its parameters (what clip_grad_norm_ reports)."""
    return torch.stack([g.flatten(1).norm(dim=1) for g in grads], 1).norm(dim=1)


def _l2(params: list[torch.Tensor]) -> torch.Tensor:
    """regularizers.l2_penalty per member: 0.5 * the sum of squared weights."""
    return 0.5 * sum(p.pow(2).flatten(1).sum(1) for p in params)
