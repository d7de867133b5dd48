"""The Trainer's fast path: a whole update captured as one CUDA graph and replayed.

A toy GAN update is a few hundred tiny kernels. Launched one by one from Python (and with a
``.item()`` per step, as tutorials log) the GPU mostly waits for the host: ~190 steps/s on an H100
for a 3x128 MLP. Captured once as a CUDA graph, the same kernels run back to back, ten times as
fast. What is captured is :meth:`Trainer.update` itself, the plain path's own code, so both paths
compute the same function; they differ only by the rounding of the fused, capturable Adam that a
graph needs.

What the capture relies on, and how it is kept true:

- Data, latents and interpolation weights come from the trainer's own ``torch.Generator``,
  registered with the graph, so every replay draws fresh numbers: the same ones the plain path
  would draw, and interleaving eager calls (sampling, a manual step) keeps the stream consistent.
- The graph reads and writes parameters and optimiser state at fixed addresses. Anything that
  replaces them (a restored state after a divergence, a new learning rate, a new config) changes
  the :meth:`FastPath.signature` and the graph is captured again before the next replay.
- Each replay writes its metrics row into a device buffer at a device-side cursor; a call of
  ``Trainer.step(n)`` reads the n rows back with one host sync.
- A remedy's hooks are replayed only when the remedy declares ``graph_safe = True`` (pure tensor
  work: no host reads, no Python-side state that changes between updates). Other remedies, CPUs,
  and any configuration whose capture fails use the plain path, and :attr:`FastPath.reason` says
  why.
"""
from __future__ import annotations

import threading
import warnings
from typing import Callable, Sequence

import torch

from ganviz.remedies import Remedy

WARMUP_UPDATES = 3       # eager updates before a capture (lazy optimiser state, cuBLAS handles)
BUFFER_ROWS = 256        # metric rows a graph writes before they are copied aside
_CAPTURE_LOCK = threading.Lock()  # CUDA allows one capture at a time per process


def graph_safe(remedy: Remedy) -> bool:
    """Whether a remedy's hooks are pure tensor work that a graph can replay: the plain GAN's
    no-op hooks are; any other remedy must say so with a ``graph_safe = True`` class attribute."""
    return type(remedy) is Remedy or getattr(remedy, "graph_safe", False) is True


class GraphedLoop:
    """Runs ``update()`` (which returns a tensor of metrics) n times: first ``warmup`` times
    eagerly, then as replays of one captured CUDA graph. ``run(n)`` returns the n metric rows on
    the host, read back with a single sync.

    ``generators`` are the non-default ``torch.Generator`` s the update draws from;
    ``signature()`` names everything the graph holds addresses of, and a change re-captures.
    If the capture fails, the call finishes eagerly and :attr:`failure` says why.
    """

    def __init__(self, update: Callable[[], torch.Tensor], generators: Sequence[torch.Generator] = (),
                 signature: Callable[[], object] | None = None, warmup: int = WARMUP_UPDATES):
        self.update = update
        self.generators = list(generators)
        self.signature = signature or (lambda: None)
        self.warmup = warmup
        self.stream = torch.cuda.Stream()
        self.graph: torch.cuda.CUDAGraph | None = None
        self.key = None
        self.buffer: torch.Tensor | None = None
        self.cursor: torch.Tensor | None = None
        self.failure: str | None = None

    def run(self, n: int) -> torch.Tensor:
        if self.graph is not None and self.signature() != self.key:
            self.graph = None
        parts = []
        if self.graph is None and self.warmup > 0:
            k = min(n, self.warmup)
            parts.append(self._eager(k))
            self.warmup -= k
        done = sum(len(p) for p in parts)
        if done < n and self.graph is None:
            try:
                self._capture()
            except RuntimeError as err:
                self.failure = f"CUDA graph capture failed: {str(err).strip().splitlines()[0]}"
                parts.append(torch.stack([self.update() for _ in range(n - done)]))
                done = n
        while done < n:
            k = min(n - done, len(self.buffer))
            self.cursor.zero_()
            for _ in range(k):
                self.graph.replay()
            parts.append(self.buffer[:k].clone())  # the next batch overwrites the buffer
            done += k
        return torch.cat(parts)

    def _eager(self, k: int) -> torch.Tensor:
        """Updates run on the side stream that the capture will use (CUDA's warm-up rule)."""
        main = torch.cuda.current_stream()
        self.stream.wait_stream(main)
        with torch.cuda.stream(self.stream):
            rows = torch.stack([self.update() for _ in range(k)])
        main.wait_stream(self.stream)
        rows.record_stream(main)
        if self.buffer is None:
            self.buffer = rows.new_zeros((BUFFER_ROWS, *rows.shape[1:]))
            self.cursor = torch.zeros(1, dtype=torch.long, device=rows.device)
        return rows

    def _capture(self) -> None:
        graph = torch.cuda.CUDAGraph()
        for generator in self.generators:
            graph.register_generator_state(generator)
        previous = torch.cuda.current_stream()
        with _CAPTURE_LOCK:
            try:
                with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                    row = self.update()
                    self.buffer.index_copy_(0, self.cursor, row.unsqueeze(0))
                    self.cursor.add_(1)
            finally:
                torch.cuda.set_stream(previous)  # a failed capture may leave the side stream current
        self.graph, self.key = graph, self.signature()


class FastPath:
    """The Trainer's fast path: ``mode`` True (use it, warn when it cannot be used), "auto" (use it
    where it can be used) or False. :attr:`active` says whether it runs, :attr:`reason` why not."""

    def __init__(self, trainer, mode: bool | str = "auto"):
        if mode not in (True, False, "auto"):
            raise ValueError(f"fast: must be True, False or 'auto', got {mode!r}")
        self.trainer = trainer
        self.mode = mode
        self.loops: dict[tuple[bool, bool], GraphedLoop] = {}
        self.reason = self._obstacle()
        if self.reason is None:
            self._capturable_optimisers()
        elif mode is True:
            warnings.warn(f"fast path off, using the plain path: {self.reason}", stacklevel=3)

    @property
    def active(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        return "CUDA graph (one replay per update)" if self.active else f"plain path: {self.reason}"

    def _obstacle(self) -> str | None:
        t = self.trainer
        if self.mode is False:
            return "turned off"
        if t.device.type != "cuda":
            return ("CUDA graphs need a CUDA GPU; on the CPU the plain path already reads metrics back "
                    "once per call")
        if not graph_safe(t.remedy):
            return (f"the remedy {t.remedy.label!r} keeps host-side state between updates, which a "
                    f"CUDA graph cannot replay")
        return None

    def _capturable_optimisers(self) -> None:
        """Fused Adam with its step counter on the device: no host read of the step inside a graph,
        and one kernel per optimiser step instead of a dozen."""
        t = self.trainer
        for opt in (t.opt_g, t.opt_d):
            for group in opt.param_groups:
                group.update(capturable=True, fused=True, foreach=None)
            for state in opt.state.values():
                if torch.is_tensor(state.get("step")) and state["step"].device != t.device:
                    state["step"] = state["step"].to(t.device, torch.float32)

    def signature(self) -> tuple:
        """What a captured graph depends on: tensor addresses, optimiser settings, the config."""
        t = self.trainer
        tensors = [*t.gan.parameters(), *t.gan.buffers()]
        for opt in (t.opt_g, t.opt_d):
            for state in opt.state.values():
                tensors.extend(v for v in state.values() if torch.is_tensor(v))
        settings = [(k, v) for opt in (t.opt_g, t.opt_d) for group in opt.param_groups
                    for k, v in group.items() if k != "params"]
        return (tuple(x.data_ptr() for x in tensors), repr(settings), repr(t.config), id(t.opt_g),
                id(t.opt_d), id(t.rng))

    def run(self, n: int, train_d: bool, train_g: bool) -> torch.Tensor:
        """n updates -> their (n, len(METRICS)) rows, on the device."""
        t = self.trainer
        self._capturable_optimisers()  # in case an optimiser was replaced since the last call
        key = (train_d, train_g)
        if key not in self.loops:
            self.loops[key] = GraphedLoop(lambda: t.update(train_d, train_g), [t.rng], self.signature)
        loop = self.loops[key]
        table = loop.run(n)
        if loop.failure:
            self.reason = loop.failure
            self.loops.clear()
            if self.mode is True:
                warnings.warn(f"fast path off, using the plain path: {self.reason}", stacklevel=3)
        return table
