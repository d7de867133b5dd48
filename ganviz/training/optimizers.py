"""The optimiser registry: how each player's weights are updated (TrainConfig ``optimizer_g`` and
``optimizer_d``; this module fills :data:`ganviz.config.OPTIMIZERS`).

GAN Lab lets a class pick SGD or Adam for each player; ganviz adds RMSprop, WGAN's choice. Each
entry is one :class:`Optimizer` record: its label, the config fields it reads, the torch optimiser
the Trainer builds from them, the tensors it keeps per weight (the memory estimate counts them),
its options on the fast path, and its update written once more as a pure function of tensors.
That pure update is what a batched population (the phase diagram, a learning rate per member)
applies, and what the unrolled GAN differentiates through when it looks ahead through D's
optimiser; the tests hold it to torch's own.

The settings (Adam's betas, the momentum, RMSprop's decay and centring) are shared by both
players; only the optimiser and the learning rate are chosen per player. The learning rate is the
knob the literature turns per player (TTUR), while its recipes use one optimiser's settings for
both networks (DCGAN's Adam with beta1 0.5, WGAN's RMSprop), so settings per player would double
the form for little to see, and every saved config's ``beta1`` / ``beta2`` keeps its meaning.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ganviz.config import OPTIMIZERS, TrainConfig

Tensor = torch.Tensor
EPS = 1e-8  # torch's default for Adam and RMSprop, written out because the pure updates read it


def _root(x: Tensor, eps, differentiable: bool) -> Tensor:
    """sqrt(x); ``differentiable``: sqrt(x + eps²), whose derivative stays finite where x is exactly
    0 (a weight whose gradient is 0), as differentiating through the update needs."""
    return (x + eps * eps).sqrt() if differentiable else x.sqrt()


def adam_update(p, g, state, step, hp, differentiable=False):
    """torch.optim.Adam's step (no weight decay, no amsgrad): bias-corrected moment estimates."""
    b1, b2 = hp["betas"]
    m = b1 * state["exp_avg"] + (1 - b1) * g
    v = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
    denom = _root(v / (1 - b2 ** step), hp["eps"], differentiable) + hp["eps"]
    return p - hp["lr"] * (m / (1 - b1 ** step)) / denom, {"exp_avg": m, "exp_avg_sq": v}


def sgd_update(p, g, state, step, hp, differentiable=False):
    """torch.optim.SGD's step (no dampening or Nesterov): heavy-ball momentum when it keeps a buffer."""
    if "momentum_buffer" not in state:
        return p - hp["lr"] * g, {}
    buffer = hp["momentum"] * state["momentum_buffer"] + g
    return p - hp["lr"] * buffer, {"momentum_buffer": buffer}


def rmsprop_update(p, g, state, step, hp, differentiable=False):
    """torch.optim.RMSprop's step: the gradient over the root of its running mean square (its
    running variance when centred), with momentum on that ratio when it keeps a buffer."""
    alpha = hp["alpha"]
    new = {"square_avg": alpha * state["square_avg"] + (1 - alpha) * g * g}
    spread = new["square_avg"]
    if "grad_avg" in state:
        new["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
        spread = spread - new["grad_avg"] * new["grad_avg"]
    direction = g / (_root(spread, hp["eps"], differentiable) + hp["eps"])
    if "momentum_buffer" in state:
        direction = new["momentum_buffer"] = hp["momentum"] * state["momentum_buffer"] + direction
    return p - hp["lr"] * direction, new


@dataclass(frozen=True)
class Optimizer:
    """One optimiser of the registry.

    ``settings(config)``: torch's keyword arguments besides the learning rate; they double as the
    pure update's hyperparameters, as a torch param group holds them. ``buffers(settings)``: the
    tensors it keeps per weight for those settings, by torch's state names (the step count aside).
    ``update(p, g, state, step, hp, differentiable=False) -> (p, state)``: one step, pure; ``hp``
    holds ``lr`` and the settings, floats or tensors that broadcast against ``p``. ``fast(on_gpu)``:
    the param-group options of the Trainer's fast path (fused where torch fuses it; capturable on
    a GPU, so a CUDA graph never reads a step count on the host).
    """

    label: str
    description: str
    fields: tuple[str, ...]
    torch_class: type[torch.optim.Optimizer]
    settings: Callable[[TrainConfig], dict]
    buffers: Callable[[dict], tuple[str, ...]]
    update: Callable[..., tuple[Tensor, dict]]
    fast: Callable[[bool], dict]

    def build(self, params, lr: float, config: TrainConfig) -> torch.optim.Optimizer:
        return self.torch_class(params, lr=lr, **self.settings(config))

    def state_per_weight(self, config: TrainConfig) -> int:
        """Tensors of a weight's size it keeps (the memory estimate counts them)."""
        return len(self.buffers(self.settings(config)))

    @property
    def fused(self) -> bool:
        """Whether the fast path runs it as one fused kernel per step."""
        return bool(self.fast(False).get("fused"))


def entry_of(optimizer: torch.optim.Optimizer) -> Optimizer:
    """The registry entry a built torch optimiser comes from."""
    for entry in OPTIMIZERS.values():
        if type(optimizer) is entry.torch_class:
            return entry
    raise ValueError(f"optimizer: {type(optimizer).__name__} is not in the registry "
                     f"({', '.join(OPTIMIZERS.names())})")


OPTIMIZERS.update({
    "adam": Optimizer(
        "Adam", "momentum on the gradient, each weight's step scaled by its gradient's running RMS "
                "(Kingma & Ba 2015; DCGAN's choice with beta1 0.5)",
        ("beta1", "beta2"), torch.optim.Adam,
        settings=lambda c: {"betas": (c.beta1, c.beta2), "eps": EPS},
        buffers=lambda s: ("exp_avg", "exp_avg_sq"),
        update=adam_update,
        fast=lambda on_gpu: {"fused": True, "foreach": None, "capturable": on_gpu}),
    "sgd": Optimizer(
        "SGD", "plain gradient steps, with heavy-ball momentum if set",
        ("momentum",), torch.optim.SGD,
        settings=lambda c: {"momentum": c.momentum},
        buffers=lambda s: ("momentum_buffer",) if s["momentum"] else (),
        update=sgd_update,
        fast=lambda on_gpu: {"fused": True, "foreach": None}),
    "rmsprop": Optimizer(
        "RMSprop", "each weight's step scaled by its gradient's running RMS, no momentum on the "
                   "gradient itself unless set (the WGAN paper's choice)",
        ("rmsprop_alpha", "rmsprop_centered", "momentum"), torch.optim.RMSprop,
        settings=lambda c: {"alpha": c.rmsprop_alpha, "eps": EPS, "momentum": c.momentum,
                            "centered": c.rmsprop_centered},
        buffers=lambda s: ("square_avg", *(("momentum_buffer",) if s["momentum"] else ()),
                           *(("grad_avg",) if s["centered"] else ())),
        update=rmsprop_update,
        fast=lambda on_gpu: {"capturable": on_gpu}),
})
