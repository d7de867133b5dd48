"""An evaluation in a background thread that a page polls, with progress and Stop.

``Job(fn)`` runs ``fn(progress)`` at once in a daemon thread; ``fn`` reports through the
``progress(stage, done, total)`` callback it is handed (the one :func:`ganviz.metrics.evaluate`
takes). ``stop()`` makes the next progress call raise :class:`Stopped`, so the work ends at the
next batch boundary.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from ganviz.metrics.scores import Progress
from ganviz.resources import describe_out_of_memory, free_memory, is_out_of_memory


class Stopped(Exception):
    """Raised inside the job's work when the user pressed Stop."""


class Job:
    def __init__(self, fn: Callable[[Progress], Any]):
        self.stage, self.done, self.total = "starting", 0, 1
        self.result: Any = None
        self.error: str | None = None
        self.stopped = False
        self.started = time.monotonic()
        self.finished: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fn,), name="ganviz-evaluate", daemon=True)
        self._thread.start()

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self._stop.is_set():
            raise Stopped()
        self.stage, self.done, self.total = stage, done, max(total, 1)

    def _run(self, fn: Callable[[Progress], Any]) -> None:
        out_of_memory = False
        try:
            self.result = fn(self._progress)
        except Stopped:
            self.stopped = True
        except Exception as err:  # shown on the page; the thread must end cleanly
            plain = isinstance(err, (ValueError, FileNotFoundError))  # their messages already say what to fix
            self.error = str(err) if plain else f"{type(err).__name__}: {err}"
            out_of_memory = is_out_of_memory(err)
            if out_of_memory:
                self.error = describe_out_of_memory(err, "evaluating", "Use fewer samples per checkpoint or "
                                                    "fewer checkpoints at once.")
        finally:
            self.finished = time.monotonic()
        if out_of_memory:
            free_memory()  # after the except block: the failed batch's tensors are unreferenced now

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0)

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
