"""The Trainer's fast path: a whole update captured as one CUDA graph and replayed.

A toy GAN update is a few hundred tiny kernels. Launched one by one from Python (and with a
``.item()`` per step, as tutorials log) the GPU mostly waits for the host. Captured once as a
CUDA graph, the same kernels run back to back, many times as fast (docs/tuning_notes.md has the
numbers). What is captured is :meth:`Trainer.update` itself, the plain path's own code, so both paths
compute the same function; they differ only by the rounding of the fused, capturable optimisers
that a graph needs.

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
  and any configuration whose capture fails run eagerly, and :attr:`FastPath.reason` says why.

The other half of the fast path works everywhere, the CPU included: fused Adam and SGD, one kernel
per optimiser step instead of a loop over parameters (a noticeable share of a toy step on a CPU);
RMSprop, which torch does not fuse, keeps its own loop.
"""
from __future__ import annotations

import threading
import warnings
from typing import Callable, Sequence

import torch

from ganviz.training.optimizers import entry_of
from ganviz.training.remedies import Remedy

WARMUP_UPDATES = 3       # eager updates before a capture (lazy optimiser state, cuBLAS handles)
BUFFER_ROWS = 256        # metric rows a graph writes before they are copied aside
_CAPTURE_LOCK = threading.Lock()  # CUDA allows one capture at a time per process


def graph_safe(remedy: Remedy) -> bool:
    """Whether a remedy's hooks are pure tensor work that a graph can replay: the plain GAN's
    no-op hooks are; any other remedy must say so with a ``graph_safe = True`` class attribute."""
    return type(remedy) is Remedy or getattr(remedy, "graph_safe", False) is True


class GraphedLoop:
    """Runs ``update()`` (which returns a tensor of metrics) n times: first ``warmup`` times
    eagerly, then as replays of one captured CUDA graph. ``run(n)`` returns the n metric rows
    stacked on the device, with no host sync: the caller reads them back once.

    ``generators`` are the non-default ``torch.Generator`` s the update draws from;
    ``signature()`` names everything the graph holds addresses of, and a change re-captures.
    If the capture fails, the call finishes eagerly and :attr:`failure` says why.
    """

    def __init__(self, update: Callable[[], torch.Tensor], generators: Sequence[torch.Generator] = (),
                 signature: Callable[[], object] | None = None, warmup: int = WARMUP_UPDATES):
        self.update = update
        self.generators = list(generators)
        self.signature = signature or (lambda: None)
        if warmup < 1:
            raise ValueError(f"warmup: at least one eager update must come before a capture, got {warmup}")
        self.warmup = warmup
        self.stream: torch.cuda.Stream | None = None  # created on first use: the loop is built on any device
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
                self._leave_capture_mode()
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

    def record(self) -> None:
        """The graph's body: one update, its metrics row written at the cursor, the cursor advanced."""
        row = self.update()
        self.buffer.index_copy_(0, self.cursor, row.unsqueeze(0))
        self.cursor.add_(1)

    def _eager(self, k: int) -> torch.Tensor:
        """Updates run on the side stream that the capture will use (CUDA's warm-up rule)."""
        main = torch.cuda.current_stream()
        self.stream = self.stream or torch.cuda.Stream()
        self.stream.wait_stream(main)
        with torch.cuda.stream(self.stream):
            rows = torch.stack([self.update() for _ in range(k)])
        main.wait_stream(self.stream)
        rows.record_stream(main)
        if self.buffer is None:
            self.allocate(rows[0])
        return rows

    def allocate(self, row: torch.Tensor) -> None:
        """The metric buffer and its cursor, for rows like ``row``."""
        self.buffer = row.new_zeros((BUFFER_ROWS, *row.shape))
        self.cursor = torch.zeros(1, dtype=torch.long, device=row.device)

    def _capture(self) -> None:
        graph = torch.cuda.CUDAGraph()
        for generator in self.generators:
            graph.register_generator_state(generator)
        previous = torch.cuda.current_stream()
        with _CAPTURE_LOCK:
            try:
                with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                    self.record()
            finally:
                torch.cuda.set_stream(previous)  # a failed capture may leave the side stream current
        self.graph, self.key = graph, self.signature()

    def _leave_capture_mode(self) -> None:
        """A failed capture leaves the generators it registered (the default CUDA one too, for the
        whole process) in capture mode, where every later draw raises "Offset increment outside
        graph capture". The epilogue of a capture that succeeds takes them out of it."""
        graph = torch.cuda.CUDAGraph()
        for generator in self.generators:
            graph.register_generator_state(generator)
        with _CAPTURE_LOCK, torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
            self.cursor.add_(0)


class FastPath:
    """The Trainer's fast path. ``mode``: "auto" (the default: use it), True (the same, and warn
    when CUDA graphs cannot be used) or False (the plain path, the reference).

    It has two parts. Fused optimisers (one kernel per optimiser step, on the CPU as on a GPU; the
    same update as torch's default one up to rounding; Adam and SGD, which torch fuses) are used
    wherever the fast path is on.
    CUDA graphs are used where they can be: :attr:`graphs` says whether, :attr:`reason` why not.
    """

    def __init__(self, trainer, mode: bool | str = "auto"):
        if mode not in (True, False, "auto"):
            raise ValueError(f"fast: must be True, False or 'auto', got {mode!r}")
        self.trainer = trainer
        self.mode = mode
        self.active = mode is not False
        self.loops: dict[tuple[bool, bool], GraphedLoop] = {}
        self.reason = self._obstacle()
        if self.active:
            self._fused_optimisers()
        if self.reason and mode is True:
            warnings.warn(f"no CUDA graphs: {self.reason}", stacklevel=3)

    @property
    def graphs(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        if not self.active:
            return "plain path (fast path turned off)"
        if self.graphs:
            return f"fast path: CUDA graph (one replay per update), {self._updates()}"
        return f"fast path: {self._updates()}, no CUDA graphs ({self.reason})"

    def _updates(self) -> str:
        """The players' optimisers as they step here: "fused Adam", or "fused SGD (G), RMSprop (D)"."""
        g, d = (("fused " if entry.fused else "") + entry.label
                for entry in map(entry_of, (self.trainer.opt_g, self.trainer.opt_d)))
        return g if g == d else f"{g} (G), {d} (D)"

    def _obstacle(self) -> str | None:
        t = self.trainer
        if not self.active:
            return "turned off"
        if t.device.type != "cuda":
            return "CUDA graphs need a CUDA GPU"
        if not graph_safe(t.remedy):
            return (f"the remedy {t.remedy.label!r} runs host-side logic between updates, which a "
                    f"CUDA graph cannot replay")
        return None

    def _fused_optimisers(self) -> None:
        """Each optimiser's fast-path options from its registry entry: fused where torch fuses it;
        on a GPU capturable (its step counter on the device, so a graph never reads it on the host)."""
        t = self.trainer
        on_gpu = t.device.type == "cuda"
        for opt in (t.opt_g, t.opt_d):
            options = entry_of(opt).fast(on_gpu)
            for group in opt.param_groups:
                group.update(options)
            for state in opt.state.values():
                step = state.get("step")
                if torch.is_tensor(step) and (step.device != t.device or step.dtype != torch.float32):
                    state["step"] = step.to(t.device, torch.float32)

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
        self._fused_optimisers()  # in case an optimiser was replaced since the last call
        if not self.graphs:
            return torch.stack([t.update(train_d, train_g) for _ in range(n)])
        key = (train_d, train_g)
        if key not in self.loops:
            self.loops[key] = GraphedLoop(lambda: t.update(train_d, train_g), [t.rng], self.signature)
        loop = self.loops[key]
        table = loop.run(n)
        if loop.failure:
            self.reason = loop.failure
            self.loops.clear()
            if self.mode is True:
                warnings.warn(f"no CUDA graphs: {self.reason}", stacklevel=3)
        return table
