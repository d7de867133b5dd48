"""Keeping one server healthy for many users: out-of-memory errors turned into advice the user can
act on, memory handed back after a failure or a finished session, and a bound on how many
trainings run at once.

A classroom of thirty shares one process. One student's oversized batch must not take the
others down: a training whose estimated memory is above the budget of one run, or above what the
server has left, is refused before anything is allocated (:func:`claim_memory`); an allocation
failure that still happens becomes an :class:`OutOfMemory` whose message says what to shrink,
the allocator's caches are emptied, and the next attempt starts from a clean slate.
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
from pathlib import Path
from typing import Iterator

import torch

MAX_WORKERS_ENV = "GANVIZ_MAX_WORKERS"
DEFAULT_MAX_WORKERS = 32
RUN_MEMORY_ENV = "GANVIZ_RUN_MEMORY_MB"
SERVER_MEMORY_ENV = "GANVIZ_SERVER_MEMORY_MB"
DEFAULT_RUN_MEMORY_MB = 1536
SERVER_MEMORY_SHARE = 0.5  # of the machine's memory, by default: the rest is the server's own and the OS's
MB = 2 ** 20
_ENFORCE_PREFIX = re.compile(r"^\[enforce fail at [^\]]*\]\s*(err == 0\.\s*)?")
DEFAULT_HINT = ("Try a smaller batch size or a smaller model (width, depth, channels), "
                "or stop another training first.")


class ResourceError(RuntimeError):
    """A limit of this machine was reached; the message says what to change."""


class OutOfMemory(ResourceError):
    """An allocation failed (GPU or CPU). Memory has been handed back; a smaller retry can work."""


class TooManyWorkers(ResourceError):
    """The server already runs as many trainings as it allows."""


class OverBudget(ResourceError, ValueError):
    """A training would need more memory than one run may have, or than the server has left: the
    settings are refused (a ValueError, like any other bad input), before anything is allocated."""


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


# -- memory budgets -------------------------------------------------------------------------------
_claims: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def run_memory_budget() -> int:
    """Bytes one training may use (env ``GANVIZ_RUN_MEMORY_MB``, default 1,536 MB)."""
    return _megabytes(RUN_MEMORY_ENV, DEFAULT_RUN_MEMORY_MB) * MB


CGROUP = Path("/sys/fs/cgroup")


def container_memory_limit(root: Path = CGROUP) -> int | None:
    """The memory limit of the container this process runs in (cgroup v2 ``memory.max``, or v1
    ``memory/memory.limit_in_bytes``), in bytes, or None when there is none: in Docker the host's
    memory is not what the kernel will let this process use."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # cgroup v1 writes "no limit" as a huge number
            return int(text)
        return None  # "max": the container is not limited
    return None


def machine_memory() -> int:
    """Bytes of memory this process can have: the machine's, or its container's limit if lower."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = container_memory_limit()
    return physical if limit is None else min(physical, limit)


def server_memory_budget() -> int:
    """Bytes all trainings of this process may use together (env ``GANVIZ_SERVER_MEMORY_MB``,
    default half of the memory this process can have: the machine's, or its container's)."""
    return _megabytes(SERVER_MEMORY_ENV, int(machine_memory() // MB * SERVER_MEMORY_SHARE)) * MB


def claimed_memory() -> int:
    """Bytes claimed by the trainings that still exist in this process."""
    with _live_lock:
        return sum(_claims.values())


def claim_memory(owner, estimate, what: str = "This training", hint: str = DEFAULT_HINT) -> None:
    """Count ``estimate`` (anything with a ``total`` in bytes that prints what it counts, e.g. a
    :class:`~ganviz.training.memory.MemoryEstimate`) against the budgets for as long as ``owner``
    exists, or raise :class:`OverBudget` naming the estimate and the limit."""
    need, per_run = estimate.total, run_memory_budget()
    if need > per_run:
        raise OverBudget(f"{what} would need {estimate}, above the limit of {per_run // MB:,} MB per run "
                         f"({RUN_MEMORY_ENV}). {hint}")
    if claimed_memory() + need > server_memory_budget():
        gc.collect()  # trainings nobody holds any more still count until collected
    with _live_lock:
        used, limit = sum(_claims.values()), server_memory_budget()
        if used + need > limit:
            raise OverBudget(f"{what} would need {estimate}, but the server's trainings already hold about "
                             f"{used // MB:,} MB of its {limit // MB:,} MB ({SERVER_MEMORY_ENV}). "
                             "Stop a training in another tab, or try a smaller model or batch.")
        _claims[owner] = need


def _megabytes(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return parse_megabytes(value, name) if value else default


def parse_megabytes(text: str, name: str) -> int:
    """A budget as written in an environment variable or a flag: a whole number of MB >= 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{name}: must be a whole number of megabytes >= 1, got {text!r}")
    return int(text)


def _malloc_trim() -> None:
    """glibc keeps freed heap pages (one arena per thread); give them back to the system."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    try:
        ctypes.CDLL(libc_name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
