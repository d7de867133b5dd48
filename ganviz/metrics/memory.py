"""What an evaluation will hold in memory, known before its samples are drawn.

An evaluation keeps the features of every real and generated sample (needed together for the
Fréchet distance, KID, precision and recall) and pushes batches of images through the feature
network. ``--n 1e9`` on the command line, or a large batch through Inception-v3 on a shared
server, would otherwise grow until the kernel kills the process. The features are what ``n``
costs; the batches are what ``batch_size`` costs, so a batch too large for the budget is made
smaller rather than refused (the samples then come from the same seed drawn in smaller batches).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ganviz.resources import MB, claim_memory, run_memory_budget

FLOAT_BYTES = 4  # features and logits are kept as float32 on the CPU


@dataclass(frozen=True, eq=False)
class EvaluationMemory:
    """Bytes one generator's evaluation holds: the kept features of ``n`` real and ``n`` generated
    samples, and one batch through the feature network (every layer's output counted, an upper
    bound: without gradients most are freed as the next layer runs)."""

    n: int
    features: int
    per_image: int
    batch_size: int

    @property
    def total(self) -> int:
        return self.features + self.per_image * self.batch_size

    def __str__(self) -> str:
        return (f"about {self.total / MB:,.0f} MB ({self.n:,} generated and up to {self.n:,} real samples' features: "
                f"{self.features / MB:,.0f} MB; batches of {self.batch_size:,} images through the feature network: "
                f"{self.per_image * self.batch_size / MB:,.0f} MB)")


def plan_evaluation_memory(extractor: nn.Module, image: torch.Tensor, n: int, batch_size: int,
                           num_features: int, num_classes: int) -> EvaluationMemory:
    """The memory of evaluating ``n`` samples like ``image`` (one sample, ``(1, C, H, W)``), with
    the batch made small enough for the per-run budget when the features leave room for one."""
    features = 2 * n * (num_features + num_classes) * FLOAT_BYTES
    per_image = max(_traced_bytes(extractor, image), 1)
    room = run_memory_budget() - features
    batch = max(1, min(batch_size, room // per_image)) if room > 0 else batch_size
    return EvaluationMemory(n, features, per_image, batch)


def claim_evaluation_memory(plan: EvaluationMemory) -> None:
    """Hold ``plan`` against the budgets while it exists, or refuse it (:class:`OverBudget`)."""
    claim_memory(plan, plan, "This evaluation", "Use fewer samples per checkpoint.")


def _traced_bytes(network: nn.Module, image: torch.Tensor) -> int:
    """Bytes of the input and every leaf module's output in one pass of ``image``."""
    total = [image.numel() * image.element_size()]

    def count(module, inputs, output):
        for tensor in output if isinstance(output, (tuple, list)) else (output,):
            if torch.is_tensor(tensor):
                total[0] += tensor.numel() * tensor.element_size()

    handles = [m.register_forward_hook(count) for m in network.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            network(image)
    finally:
        for handle in handles:
            handle.remove()
    return total[0] // len(image)
