"""The Trainer: a GAN that advances in steps the caller controls.

``trainer.step(n)`` runs n full updates (``n_critic`` discriminator steps, then one generator
step). Metrics stay on the device during those n updates and are read back once at the end, so
the host never waits on the GPU once per step. Data and latent vectors come from the trainer's
own ``torch.Generator``: two trainers can be interleaved and each stays reproducible.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ganviz.config import TrainConfig
from ganviz.data import build_dataset
from ganviz.device import resolve_device
from ganviz.resources import claim_memory, run_memory_budget
from ganviz.training.fast import FastPath
from ganviz.training.gan import GAN
from ganviz.training.history import History
from ganviz.training.losses import LOSSES
from ganviz.training.memory import estimate_training_memory
from ganviz.training.optimizers import OPTIMIZERS
from ganviz.training.regularizers import clip_weights, gradient_penalty, l2_penalty, r1_penalty

D_METRICS = ("d_loss", "d_real", "d_fake", "grad_norm_d")
G_METRICS = ("g_loss", "grad_norm_g")
METRICS = D_METRICS + G_METRICS
LABELS = {"d_loss": "D loss", "d_real": "D(x) on real data", "d_fake": "D(G(z)) on generated data",
          "grad_norm_d": "D's gradient norm", "grad_norm_g": "G's gradient norm", "g_loss": "G loss"}


class DivergenceError(RuntimeError):
    """Raised when a loss or gradient stops being finite; the trainer is back at its last good state."""

    def __init__(self, message: str, step: int):
        super().__init__(message)
        self.step = step


class Trainer:
    def __init__(self, config: TrainConfig, *, device: str | torch.device | None = None, dataset=None,
                 gan: GAN | None = None, fast: bool | str = "auto"):
        self.config = config
        self.device = torch.device(device) if device is not None else resolve_device(config.device)
        self.dataset = (dataset if dataset is not None else build_dataset(config.data)).to(self.device)
        self.is_image = self.dataset.kind == "image"
        if config.batch_size < 2 and (config.model.batchnorm or config.model.arch == "dcgan"):
            raise ValueError("batch_size: batch norm needs batches of at least 2")
        if gan is None:  # refused here, before the networks are allocated, when over a memory budget
            classes = self.dataset.num_classes if config.model.conditional else 0
            estimate = estimate_training_memory(config, list(self.dataset.shape), classes, above=run_memory_budget())
            claim_memory(self, estimate)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(config.seed)
                gan = GAN(config.to_dict(), list(self.dataset.shape),
                          self.dataset.num_classes if config.model.conditional else 0)
        self.gan = gan.to(self.device)
        self.loss = LOSSES[config.loss]
        self.gp_weight = self.loss.gp_weight if config.gp_weight is None else config.gp_weight
        self.weight_clip = self.loss.weight_clip if config.weight_clip is None else config.weight_clip
        self.real_target = 1.0 - config.label_smoothing
        self.opt_g = OPTIMIZERS[config.optimizer_g].build(self.generator.parameters(), config.lr_g, config)
        self.opt_d = OPTIMIZERS[config.optimizer_d].build(self.discriminator.parameters(), config.lr_d, config)
        self.rng = torch.Generator(self.device).manual_seed(config.seed)
        self.history = History(config.history_size)
        self.step_count = 0
        self.elapsed = 0.0
        self.fixed_z, self.fixed_y = self._latent_batch(64, torch.Generator(self.device).manual_seed(config.seed + 1))
        self.fast = FastPath(self, fast)  # fused optimisers, CUDA-graph replays of update(); see .describe()

    # -- parts -------------------------------------------------------------------------------
    @property
    def generator(self):
        return self.gan.generator

    @property
    def discriminator(self):
        return self.gan.discriminator

    @property
    def remedy(self):
        return self.gan.remedy

    @property
    def num_classes(self) -> int:
        return self.gan.num_classes

    def _latent_batch(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, self.config.model.latent_dim, generator=rng, device=self.device)
        y = torch.randint(self.num_classes, (n,), generator=rng, device=self.device) if self.num_classes else None
        return z, y

    def latent(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self._latent_batch(n, self.rng)

    def real_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        batch = self.dataset.sample(n, self.rng)
        if isinstance(batch, tuple):
            x, y = batch
            return x, (y if self.num_classes else None)
        return batch, None

    def critic(self, y: torch.Tensor | None):
        """D as a function of x alone, for the input-gradient penalties."""
        return lambda x: self.discriminator(x, y)

    # -- one update of each player --------------------------------------------------------------
    def d_step(self) -> dict[str, torch.Tensor]:
        cfg = self.config
        real, y = self.real_batch(cfg.batch_size)
        z, _ = self.latent(cfg.batch_size)
        with torch.no_grad():
            fake = self.generator(z, y)
        real_out = self.discriminator(real, y)
        fake_out = self.discriminator(fake, y)
        loss = self.loss.d(real_out, fake_out, self.real_target)
        total = loss
        if self.gp_weight:
            total = total + self.gp_weight * gradient_penalty(self.critic(y), real, fake, self.rng)
        if cfg.r1_weight:
            total = total + cfg.r1_weight * r1_penalty(self.critic(y), real)
        if cfg.weight_decay:
            total = total + cfg.weight_decay * l2_penalty(self.discriminator.parameters())
        extra = self.remedy.discriminator_penalty(self)
        if extra is not None:
            total = total + extra
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.discriminator.parameters(), float("inf"))
        self.opt_d.step()
        if self.weight_clip:
            clip_weights(self.discriminator, self.weight_clip)
        squash = torch.sigmoid if self.loss.probabilistic else (lambda t: t)
        return {"d_loss": loss.detach(), "d_real": squash(real_out.detach()).mean(),
                "d_fake": squash(fake_out.detach()).mean(), "grad_norm_d": grad_norm}

    def g_step(self) -> dict[str, torch.Tensor]:
        cfg = self.config
        z, y = self.latent(cfg.batch_size)
        fake = self.generator(z, y)
        loss = self.remedy.generator_loss(self, fake, y, self.loss.g)
        total = loss
        if cfg.weight_decay:
            total = total + cfg.weight_decay * l2_penalty(self.generator.parameters())
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.generator.parameters(), float("inf"))
        self.opt_g.step()
        return {"g_loss": loss.detach(), "grad_norm_g": grad_norm}

    def update(self, train_d: bool = True, train_g: bool = True) -> torch.Tensor:
        """One full update (n_critic D steps, one G step, the remedy's bookkeeping) -> its METRICS
        row, left on the device. The fast path captures exactly this as a CUDA graph."""
        metrics: dict[str, torch.Tensor] = {}
        if train_d:
            for _ in range(self.config.n_critic):
                metrics.update(self.d_step())
        if train_g:
            metrics.update(self.g_step())
        self.remedy.after_step(self)
        nan = torch.full((), float("nan"), device=self.device)
        return torch.stack([metrics.get(k, nan).float() for k in METRICS])

    # -- the public loop -----------------------------------------------------------------------
    def step(self, n: int = 1, *, train_d: bool = True, train_g: bool = True) -> dict[str, np.ndarray]:
        """Run ``n`` updates and return their metrics as arrays of length n.

        ``train_d=False`` or ``train_g=False`` freezes one player (GAN Lab's step mode); a frozen
        player's metrics are NaN for those steps. If a loss or gradient turns NaN/inf, the
        networks and optimisers go back to their state before this call and
        :class:`DivergenceError` says at which step and why.
        """
        if n < 1:
            raise ValueError(f"n: must be >= 1, got {n}")
        if not (train_d or train_g):
            raise ValueError("train_d, train_g: at least one player must train")
        backup = self.state_dict()
        start = time.perf_counter()
        self.gan.train()
        try:
            if self.fast.active:
                rows = self.fast.run(n, train_d, train_g)
            else:
                rows = torch.stack([self.update(train_d, train_g) for _ in range(n)])
            # The last update can break the weights while every loss so far was finite.
            nets = {"discriminator": self.discriminator, "generator": self.generator}
            weights_ok = torch.stack([_all_finite(net) for net in nets.values()])
            table = rows.cpu().numpy()  # the one host sync of this call
            weights_ok = weights_ok.cpu().numpy()
        except BaseException:  # out of memory, a stop: never leave a half-updated pair behind
            self.load_state_dict(backup)
            raise
        now = time.perf_counter()
        steps = np.arange(self.step_count + 1, self.step_count + n + 1)
        trained = (D_METRICS if train_d else ()) + (G_METRICS if train_g else ())
        check = [METRICS.index(k) for k in trained]
        bad = ~np.isfinite(table[:, check])
        if bad.any() or not weights_ok.all():
            if bad.any():
                row, col = np.argwhere(bad)[0]
                metric = METRICS[check[col]]
                name, value, at = f"{LABELS[metric]} ({metric})", table[row, check[col]], steps[row]
            else:
                name, value, at = f"{list(nets)[int(np.argmin(weights_ok))]} weights", "non-finite", steps[-1]
            self.load_state_dict(backup)
            raise DivergenceError(
                f"{name} became {value} at step {at}: training diverged (learning rate too high, "
                f"or the loss/regulariser settings are unstable). The networks were restored to step "
                f"{self.step_count}.", int(at))
        self.elapsed += now - start
        self.step_count += n
        values = {k: table[:, i] for i, k in enumerate(METRICS)}
        values["time"] = self.elapsed - (now - start) * (1 - np.arange(1, n + 1) / n)
        self.history.extend(steps, values)
        return values

    # -- sampling ----------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, z: torch.Tensor | None = None, y: torch.Tensor | None = None, n: int | None = None) -> torch.Tensor:
        """Samples from G in eval mode. With no z, the fixed latent batch (or its first n rows)."""
        if z is None:
            z, y = self.fixed_z[:n], (self.fixed_y[:n] if self.fixed_y is not None else None)
        was_training = self.gan.training
        self.gan.eval()
        try:
            return self.generator(z.to(self.device), None if y is None else y.to(self.device))
        finally:
            self.gan.train(was_training)

    @torch.no_grad()
    def sample_pairs(self, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """n real and n generated samples, drawn from a separate seeded stream (for plots/metrics)."""
        rng = torch.Generator(self.device).manual_seed(seed)
        real = self.dataset.sample(n, rng)
        real = real[0] if isinstance(real, tuple) else real
        z, y = self._latent_batch(n, rng)
        return real, self.generate(z, y)

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        clone = lambda sd: {k: (v.clone() if torch.is_tensor(v) else v) for k, v in sd.items()}
        return {"gan": clone(self.gan.state_dict()), "opt_g": _clone_opt(self.opt_g.state_dict()),
                "opt_d": _clone_opt(self.opt_d.state_dict()), "rng": self.rng.get_state(),
                "step": self.step_count, "elapsed": self.elapsed}

    def load_state_dict(self, state: dict) -> None:
        self.gan.load_state_dict(state["gan"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.rng.set_state(state["rng"])
        self.step_count, self.elapsed = state["step"], state["elapsed"]

    def save(self, folder: str | Path) -> Path:
        """A Hub-format checkpoint (config.json + model.safetensors) plus metrics.json."""
        folder = Path(folder)
        self.gan.save_pretrained(folder)
        (folder / "metrics.json").write_text(_json({"step": self.step_count, "history": self.history.as_dict()}))
        return folder

    @classmethod
    def from_checkpoint(cls, folder_or_repo: str, *, device=None, revision: str | None = None,
                        cache_dir: str | None = None) -> "Trainer":
        """Resume from a checkpoint written by :meth:`save` (weights; optimiser state starts fresh).

        Files are checked through :mod:`ganviz.hub` (safetensors or weights-only unpickling, every
        mismatch named): a bad checkpoint raises ``CheckpointError``, a ``ValueError`` that says
        what is wrong, and no code from the files ever runs.
        """
        from ganviz import hub

        config_path, weights = hub.resolve(folder_or_repo, revision, cache_dir)
        config = hub.read_config(config_path)
        if "train" not in config or "shape" not in config:
            found = "has no config.json" if config_path is None else "has a config.json without 'train' and 'shape'"
            raise hub.CheckpointError(f"{folder_or_repo}: not a ganviz training run: it {found} (Trainer.save "
                                      "writes both)")
        gan = hub.read_checked(weights, lambda state: hub.build_gan(config, state, str(folder_or_repo)),
                               str(folder_or_repo))
        return cls(gan.config, device=device, gan=gan)


def _all_finite(net: torch.nn.Module) -> torch.Tensor:
    """One on-device flag: every floating parameter and buffer (e.g. batch-norm stats) is finite."""
    tensors = [t for t in (*net.parameters(), *net.buffers()) if t.is_floating_point()]
    return torch.stack([t.isfinite().all() for t in tensors]).all()


def _clone_opt(state: dict) -> dict:
    return {"state": {k: {n: (t.clone() if torch.is_tensor(t) else t) for n, t in v.items()}
                      for k, v in state["state"].items()},
            "param_groups": [dict(g) for g in state["param_groups"]]}


def _json(data) -> str:
    import json
    return json.dumps(data, allow_nan=True)
