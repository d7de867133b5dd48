"""What a training run will hold in memory, estimated from its config before anything is allocated.

A link whose every value is inside its field's limits can still ask for a 16-billion-parameter
mixture of generators. Allocation failures are caught (:mod:`ganviz.resources`), but a server
rarely sees one: the kernel kills the process first, and every visitor loses their run. So the
networks are first built on PyTorch's ``meta`` device, which records shapes and allocates
nothing, and the estimate is checked against the budgets before the real build.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from ganviz.config import TrainConfig
from ganviz.models import build_models
from ganviz.resources import MB
from ganviz.training.optimizers import OPTIMIZERS


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run holds: weights, what the optimisers keep per weight (a gradient, the update's
    temporaries and each player's optimiser state: none for plain SGD, one tensor for SGD with
    momentum, one to three for RMSprop, Adam's two moments), and one update's activations (kept for
    the backward pass).
    Checked against measured peaks in docs/reliability.md: an upper bound, 1.1-2.4x the measured peak."""

    parameters: int
    weights: int
    optimizer: int
    activations: int
    batch_size: int
    members: int = 1
    traced: bool = True  # False: the activations were not traced (the weights alone were too many)

    @property
    def total(self) -> int:
        return self.weights + self.optimizer + self.activations

    def __str__(self) -> str:
        who = f"{self.members} GANs, " if self.members > 1 else ""
        activations = (f"{self.activations / MB:,.0f} MB of activations at batch {self.batch_size}" if self.traced
                       else "activations not counted")
        return (f"{'about' if self.traced else 'at least'} {self.total / MB:,.0f} MB ({who}{self.parameters:,} "
                f"parameters: {self.weights / MB:,.0f} MB of weights, {self.optimizer / MB:,.0f} MB of gradients "
                f"and optimiser state, {activations})")

    def times(self, members: int) -> "MemoryEstimate":
        """The estimate for ``members`` such runs trained together (a phase diagram)."""
        return MemoryEstimate(self.parameters * members, self.weights * members, self.optimizer * members,
                              self.activations * members, self.batch_size, self.members * members, self.traced)


def estimate_training_memory(config: TrainConfig, shape: list[int] | tuple[int, ...], num_classes: int = 0,
                             *, above: int | None = None) -> MemoryEstimate:
    """The memory of training ``config`` on data of ``shape``: G and D built on the meta device,
    one generator and discriminator pass of a batch traced for its activations. When the weights
    alone already need more than ``above`` bytes, the (slower) trace is skipped and the
    activations count as 0: the estimate is then a lower bound, which is enough to refuse.

    With ``above``, the bare G and D are weighed first: a remedy only ever adds to them (copies
    of G, a wider D input, an extra layer), so when they alone are too many the run is refused
    without building the remedy's networks, which for a mixture of 64 deep generators takes a
    second even on the meta device: a refusal must not keep a shared server busy."""
    from ganviz.training.gan import GAN

    if above is not None:
        with torch.device("meta"):
            bare = build_models(config.model, tuple(shape), num_classes)
        estimate = _untraced(*bare, config)
        if estimate.total > above:
            return estimate
    with torch.device("meta"):
        gan = GAN(config.to_dict(), list(shape), num_classes)
    estimate = _untraced(gan.generator, gan.discriminator, config)
    if above is not None and estimate.total > above:
        return estimate
    g_outputs, d_outputs = _traced_outputs(gan, config, num_classes)
    # D sees a real and a fake batch; every output is kept for backward and gets a gradient there;
    # an unrolled G looks through `unroll_steps` further D passes; a gradient penalty doubles D's graph
    d_passes = 2 * (1 + (config.unroll_steps if config.remedy == "unrolled" else 0))
    penalty = 2 if (config.gp_weight or 0) > 0 or config.r1_weight > 0 or config.loss == "wgan-gp" else 1
    pairwise = getattr(gan.discriminator, "pairwise_bytes", None)  # minibatch discrimination's batch x batch
    d_outputs += pairwise(config.batch_size) // 2 if pairwise is not None else 0  # counted twice below, as outputs are
    activations = 2 * (g_outputs + d_passes * penalty * d_outputs)
    return dataclasses.replace(estimate, activations=activations, traced=True)


def _untraced(generator: torch.nn.Module, discriminator: torch.nn.Module, config: TrainConfig) -> MemoryEstimate:
    """Weights and optimiser state of the two players, activations not yet counted."""
    parameters = optimizer = 0
    for net, name in ((generator, config.optimizer_g), (discriminator, config.optimizer_d)):
        parameters += sum(p.numel() for p in net.parameters())
        # per weight: a gradient, the update's temporaries and the tensors this player's optimiser keeps
        optimizer += (2 + OPTIMIZERS[name].state_per_weight(config)) * sum(p.numel() * p.element_size()
                                                                           for p in net.parameters())
    weights = weight_bytes(generator) + weight_bytes(discriminator)
    return MemoryEstimate(parameters, weights, optimizer, 0, config.batch_size, traced=False)


def weight_bytes(network: torch.nn.Module) -> int:
    """Bytes of a network's parameters and buffers (on any device, the meta device included)."""
    return sum(t.numel() * t.element_size() for t in [*network.parameters(), *network.buffers()])


def _traced_outputs(gan, config: TrainConfig, num_classes: int) -> tuple[int, int]:
    """Bytes of every leaf module's output in one G pass and one D pass of a batch (meta tensors)."""
    sizes = {"g": 0, "d": 0}

    def count(part: str):
        def hook(module, inputs, output):
            if torch.is_tensor(output):
                sizes[part] += output.numel() * output.element_size()
        return hook

    handles = [module.register_forward_hook(count(part))
               for part, net in (("g", gan.generator), ("d", gan.discriminator))
               for module in net.modules() if not list(module.children())]
    try:
        with torch.device("meta"), torch.no_grad():
            z = torch.empty(config.batch_size, config.model.latent_dim)
            y = torch.zeros(config.batch_size, dtype=torch.long) if num_classes else None
            gan.discriminator(gan.generator(z, y), y)
    finally:
        for handle in handles:
            handle.remove()
    return sizes["g"], sizes["d"]
