"""Training in a background thread that a UI polls.

The page never runs the training loop itself: it starts a :class:`TrainingWorker`, returns at
once, and reads ``snapshot()`` a few times a second. Every touch of the trainer (a step, a
sample, a reset) goes through one lock, so a UI read never sees half an update.

A worker cleans up after itself: its thread holds only a weak reference to it, so a worker
nobody refers to any more (a browser session that ended) is garbage-collected and its thread
ends. ``close(release=True)`` also drops the trainer, handing its memory back at once. Each live
worker counts against the server's limit (:func:`ganviz.resources.claim_worker_slot`).
"""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from ganviz.resources import claim_worker_slot, describe_out_of_memory, free_memory, is_out_of_memory
from ganviz.training.trainer import DivergenceError, Trainer

T = TypeVar("T")


class WorkerReleased(RuntimeError):
    """Raised on touching a released worker's trainer. A page run that began before the release
    (one left over from a tab that closed) meets this named error, which the app turns into a
    rerun that says the training was closed, instead of a traceback."""


@dataclass
class Snapshot:
    step: int
    running: bool
    target: int | None
    history: dict[str, list[float]]
    error: str | None
    steps_per_second: float
    extra: dict = field(default_factory=dict)


class TrainingWorker:
    """Owns a Trainer and a daemon thread that advances it in chunks while running.

    Any job with ``step(n)``, ``step_count`` and a ``history`` will do (the style-transfer page
    runs its optimisation in one).

    ``start(target)`` trains until ``target`` steps (or forever with None); ``pause()`` stops
    after the current chunk; ``close()`` ends the thread. An exception inside the loop pauses
    the worker and is reported in ``snapshot().error`` (a :class:`DivergenceError` keeps the
    restored, last good networks; running out of memory frees what it can and suggests a
    smaller setting).
    """

    def __init__(self, trainer: Trainer, chunk: int = 25, on_chunk: Callable[[Trainer], None] | None = None):
        if chunk < 1:
            raise ValueError(f"chunk: must be >= 1, got {chunk}")
        self._trainer: Trainer | None = trainer
        self.chunk = chunk
        self.on_chunk = on_chunk
        self.target: int | None = None
        self.error: str | None = None
        self._lock = threading.RLock()
        self._run = threading.Event()
        self._closed = threading.Event()
        self._rate = 0.0
        self._final: Snapshot | None = None
        claim_worker_slot(self)
        weakref.finalize(self, self._closed.set)  # a forgotten worker's thread ends with it
        self._thread = threading.Thread(target=_loop, args=(weakref.ref(self), self._run, self._closed),
                                        name="ganviz-trainer", daemon=True)
        self._thread.start()

    # -- control -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._run.is_set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def released(self) -> bool:
        """Whether the trainer is gone (``release``): only the last snapshot remains."""
        return self._trainer is None

    @property
    def trainer(self) -> Trainer:
        """The live trainer; :class:`WorkerReleased` once it was dropped."""
        trainer = self._trainer
        if trainer is None:
            raise WorkerReleased("this worker is closed and its trainer released")
        return trainer

    def start(self, target: int | None = None) -> None:
        if self._closed.is_set():
            raise RuntimeError("this worker is closed")
        self.error = None
        self.target = target
        self._run.set()

    def pause(self) -> None:
        self._run.clear()

    def close(self, timeout: float = 5.0, release: bool = False) -> None:
        """End the thread. ``release=True`` also drops the trainer (its memory goes back to the
        system); the last snapshot stays readable, with ``reason`` as its error."""
        self._run.clear()
        self._closed.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if release:
            self.release()

    def release(self, reason: str = "This training was closed to free memory.") -> None:
        """Drop the trainer; the worker is closed from then on (nothing is left to train)."""
        self._run.clear()
        self._closed.set()
        with self._lock:
            if self._trainer is None:
                return
            self._final = self.snapshot()
            self._final.running, self._final.error = False, self.error or reason
            self._trainer = None
        free_memory()

    def call(self, fn: Callable[[Trainer], T]) -> T:
        """Run ``fn(trainer)`` between chunks (for a manual step, sampling, a reset)."""
        with self._lock:
            return fn(self.trainer)

    def step(self, n: int = 1, **kwargs) -> None:
        """A manual step while paused (or between chunks); errors land in ``error`` too."""
        self._guarded(lambda t: t.step(n, **kwargs))

    def snapshot(self) -> Snapshot:
        with self._lock:
            trainer = self._trainer
            if trainer is None:
                return self._final
            return Snapshot(trainer.step_count, self.running, self.target,
                            trainer.history.as_dict(), self.error, self._rate)

    # -- the loop ----------------------------------------------------------------------------
    def _guarded(self, fn: Callable[[Trainer], object]) -> bool:
        with self._lock:
            out_of_memory = False
            try:
                fn(self.trainer)
                return True
            except DivergenceError as err:
                self.error = str(err)
            except Exception as err:  # shown to the user; the thread must survive it
                out_of_memory = is_out_of_memory(err)
                if out_of_memory:
                    self.error = describe_out_of_memory(err, "training", self._memory_hint())
                else:
                    self.error = f"{type(err).__name__}: {err}"
            self._run.clear()
        if out_of_memory:
            free_memory()  # here, once the failed step's frames (and their tensors) are gone
        return False

    def _memory_hint(self) -> str:
        """Advice naming the current batch size when the job has one (a style transfer has not)."""
        batch = getattr(getattr(self._trainer, "config", None), "batch_size", None)
        smaller = f"a smaller batch size (now {batch})" if batch else "a smaller size"
        return f"Try {smaller} or a smaller model, or stop another training first."

    def _chunk(self) -> None:
        with self._lock:
            if self._trainer is None or self._closed.is_set():
                return
            remaining = None if self.target is None else self.target - self._trainer.step_count
            if remaining is not None and remaining <= 0:
                self._run.clear()
                return
            n = self.chunk if remaining is None else min(self.chunk, remaining)
            start = time.perf_counter()
            if self._guarded(lambda t: t.step(n)) and self.on_chunk is not None:
                self._guarded(self.on_chunk)
            self._rate = n / max(time.perf_counter() - start, 1e-9)


def _loop(worker_ref: "weakref.ref[TrainingWorker]", run: threading.Event, closed: threading.Event) -> None:
    """The thread body. It holds the worker only while a chunk runs, so dropping the last
    outside reference to a worker ends this thread (via the finalizer setting ``closed``)."""
    while not closed.is_set():
        if not run.wait(timeout=0.1):
            continue
        worker = worker_ref()
        if worker is None or closed.is_set():
            return
        worker._chunk()
        del worker
        time.sleep(0.001)  # let a waiting UI thread take the lock between chunks
