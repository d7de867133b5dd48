"""Keeping one server healthy for many users: out-of-memory errors turned into advice the user can
act on, memory handed back after a failure or a finished session, and a bound on how many
trainings run at once.

A classroom of thirty shares one process. One student's oversized batch must not take the
others down: an allocation failure becomes an :class:`OutOfMemory` whose message says what to
shrink, the allocator's caches are emptied, and the next attempt starts from a clean slate.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import os
import re
import threading
import weakref
from typing import Iterator

import torch

MAX_WORKERS_ENV = "GANVIZ_MAX_WORKERS"
DEFAULT_MAX_WORKERS = 32
_ENFORCE_PREFIX = re.compile(r"^\[enforce fail at [^\]]*\]\s*(err == 0\.\s*)?")
DEFAULT_HINT = ("Try a smaller batch size or a smaller model (width, depth, channels), "
                "or stop another training first.")


class ResourceError(RuntimeError):
    """A limit of this machine was reached; the message says what to change."""


class OutOfMemory(ResourceError):
    """An allocation failed (GPU or CPU). Memory has been handed back; a smaller retry can work."""


class TooManyWorkers(ResourceError):
    """The server already runs as many trainings as it allows."""


def is_out_of_memory(err: BaseException) -> bool:
    """True for CUDA/MPS/CPU allocation failures, whatever exception type the backend chose."""
    if isinstance(err, (torch.OutOfMemoryError, MemoryError)):
        return True
    text = str(err).lower()
    return isinstance(err, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def describe_out_of_memory(err: BaseException, what: str, hint: str = DEFAULT_HINT) -> str:
    kind = "GPU memory" if isinstance(err, torch.OutOfMemoryError) or "cuda" in str(err).lower() else "memory"
    text = _ENFORCE_PREFIX.sub("", str(err).strip())
    detail = text.splitlines()[0] if text else type(err).__name__
    return f"Out of {kind} while {what} ({detail[:200]}). {hint}"


def free_memory() -> None:
    """Hand freed memory back: collect cycles, empty the CUDA cache, trim the C heap.

    Call it after the failed computation's frames are gone (outside the ``except`` block that
    caught the error), or their tensors are still referenced.
    """
    gc.collect()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()
    _malloc_trim()


@contextlib.contextmanager
def out_of_memory_guard(what: str, hint: str = DEFAULT_HINT) -> Iterator[None]:
    """Turn an allocation failure inside the block into :class:`OutOfMemory` with advice.

    >>> with out_of_memory_guard("computing FID", "Use fewer samples."):
    ...     ...
    """
    try:
        yield
    except Exception as err:
        if not is_out_of_memory(err):
            raise
        message = describe_out_of_memory(err, what, hint)
    else:
        return
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()
    raise OutOfMemory(message)


# -- a bound on concurrent trainings ---------------------------------------------------------------
_live: "weakref.WeakSet" = weakref.WeakSet()
_live_lock = threading.Lock()


def max_workers() -> int:
    """How many trainings may run in this process at once (env ``GANVIZ_MAX_WORKERS``)."""
    value = os.environ.get(MAX_WORKERS_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_WORKERS


def live_workers() -> list:
    """Workers that exist and are not closed."""
    with _live_lock:
        return [w for w in list(_live) if not w.closed]


def claim_worker_slot(worker) -> None:
    """Count ``worker`` against the limit, or raise :class:`TooManyWorkers`.

    Abandoned workers are only counted until the garbage collector has seen them, so a full
    server collects once before it says no.
    """
    limit = max_workers()
    if len(live_workers()) >= limit:
        gc.collect()
    with _live_lock:
        busy = sum(1 for w in list(_live) if not w.closed)
        if busy >= limit:
            raise TooManyWorkers(
                f"The server is already running {busy} trainings, its limit ({MAX_WORKERS_ENV}={limit}). "
                "Stop a training in another tab or wait a minute for idle sessions to be released, "
                "then try again.")
        _live.add(worker)


def _malloc_trim() -> None:
    """glibc keeps freed heap pages (one arena per thread); give them back to the system."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    try:
        ctypes.CDLL(libc_name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
