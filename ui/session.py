"""A browser session's trainings: built within the server's limit, owned by the session, and
released when the session ends.

Streamlit keeps a closed tab's session state for a while (so a network blip can reconnect),
and would keep its training thread running with it. Here a session's workers are registered
with a session-scoped ``st.cache_resource``, whose ``on_release`` hook Streamlit calls when the
browser disconnects: the workers pause at once (no CPU for an empty tab), and if the session has
not come back after a grace period they are closed and their trainers dropped (memory back),
and Streamlit is asked to close the session itself. It would otherwise keep the session's state
and last page until its reconnect window has passed *and* its session store is next touched,
which on a quiet server is never; with the training gone a late reconnect has nothing to resume
(the page's link still reopens its setup). A session that reconnects in time finds its training
resumed where it was.

Pages use :func:`create` / :func:`current` / :func:`adopt` / :func:`release`, and wrap heavy
one-off work (an evaluation, a style transfer) in :func:`user_errors`.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import threading
import weakref
from typing import Callable, Iterator

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ganviz.collapse.experiment import lab_frame, open_lab
from ganviz.resources import (RUN_MEMORY_ENV, SERVER_MEMORY_ENV, OutOfMemory, ResourceError, free_memory,
                              out_of_memory_guard)
from ganviz.training import Trainer
from ganviz.training.process import warm_up
from ganviz.training.worker import TrainingWorker, WorkerReleased

GRACE_ENV = "GANVIZ_SESSION_GRACE_S"
DEFAULT_GRACE_S = 20.0
CLOSE_WAIT_S = 10.0  # how long a release waits for the event loop to close its session
CLOSED_REASON = "This training was closed because its browser session ended."


def grace_seconds() -> float:
    """How long a disconnected session's trainings wait for it to come back (env override)."""
    try:
        return max(0.0, float(os.environ.get(GRACE_ENV, DEFAULT_GRACE_S)))
    except ValueError:
        return DEFAULT_GRACE_S


class _Owner:
    """One browser session's claim on its workers."""

    def __init__(self, session_id: str | None):
        self.session_id = session_id
        self.workers: dict[str, TrainingWorker] = {}
        self.paused_on_exit: set[int] = set()


# Which owner currently holds each worker: a reconnected session re-claims its workers, so a
# pending clean-up of the old owner leaves them alone.
_claims: "weakref.WeakKeyDictionary[TrainingWorker, _Owner]" = weakref.WeakKeyDictionary()
_claims_lock = threading.Lock()


def _session_ended(owner: _Owner) -> None:
    """Streamlit's ``on_release``: runs on the server's event loop, so only pause and schedule."""
    for worker in list(owner.workers.values()):
        if worker.running:
            owner.paused_on_exit.add(id(worker))
            worker.pause()
    try:
        loop = asyncio.get_running_loop()  # the one thread allowed to close a Streamlit session
    except RuntimeError:
        loop = None
    timer = threading.Timer(grace_seconds(), _reap, args=(owner, loop))
    timer.daemon = True
    timer.start()


def _reap(owner: _Owner, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """The grace period is over: close the session's workers, then the session, then hand the
    memory of both back (the heap is trimmed once, after Streamlit has dropped the session)."""
    if owner.session_id is not None and Runtime.exists() and Runtime.instance().is_active_session(owner.session_id):
        return  # the cache was cleared, the session itself is alive: its next run re-claims
    workers, owner.workers = list(owner.workers.values()), {}
    for worker in workers:
        with _claims_lock:
            still_ours = _claims.get(worker) is owner
        if still_ours:
            worker.close()
            worker.release(CLOSED_REASON)
    if loop is not None and owner.session_id is not None:
        closed: concurrent.futures.Future = concurrent.futures.Future()
        # RuntimeError: the server is shutting down; TimeoutError: its loop is too busy to wait for
        with contextlib.suppress(RuntimeError, TimeoutError):
            loop.call_soon_threadsafe(_close_session, owner.session_id, closed)
            closed.result(timeout=CLOSE_WAIT_S)
    free_memory()


def _close_session(session_id: str, closed: concurrent.futures.Future) -> None:
    """Close a session that has not come back (on the event loop, as Streamlit requires)."""
    try:
        if Runtime.exists() and not Runtime.instance().is_active_session(session_id):
            Runtime.instance().close_session(session_id)
    finally:
        closed.set_result(None)


@st.cache_resource(scope="session", on_release=_session_ended, show_spinner=False)
def _owner() -> _Owner:
    ctx = get_script_run_ctx()
    return _Owner(ctx.session_id if ctx is not None else None)


def _claim(key: str, worker: TrainingWorker) -> None:
    owner = _owner()
    with _claims_lock:
        previous = _claims.get(worker)
        _claims[worker] = owner
    owner.workers[key] = worker
    if previous is not None and previous is not owner and id(worker) in previous.paused_on_exit:
        previous.paused_on_exit.discard(id(worker))
        if not worker.closed:
            worker.start(worker.target)  # the session came back: carry on where it was


def current(key: str) -> TrainingWorker | None:
    """This session's worker stored under ``key``, or None (also when it was released)."""
    worker = st.session_state.get(key)
    if worker is None:
        return None
    if worker.closed:  # e.g. released after the session ended: say so once, then forget it
        if worker.released:
            st.info(worker.snapshot().error or CLOSED_REASON)
        del st.session_state[key]
        return None
    _claim(key, worker)
    return worker


def adopt(key: str, worker: TrainingWorker | None) -> TrainingWorker | None:
    """Store ``worker`` under ``key`` for this session, closing the one it replaces."""
    old = st.session_state.get(key)
    if old is not None and old is not worker:
        old.close(release=True)
    if worker is None:
        st.session_state.pop(key, None)
        _owner().workers.pop(key, None)
        return None
    st.session_state[key] = worker
    _claim(key, worker)
    return worker


@contextlib.contextmanager
def rerun_if_released() -> Iterator[None]:
    """A run that began before its worker was released (a closed tab's last queued run, after the
    grace period) reruns the page instead of showing a traceback; there :func:`current` says that
    the training was closed."""
    try:
        yield
    except WorkerReleased:
        st.rerun(scope="app")


def polling_fragment(run_every: float | None) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """``st.fragment`` for a panel that polls this session's worker, under :func:`rerun_if_released`."""
    def decorate(panel: Callable[[], None]) -> Callable[[], None]:
        @functools.wraps(panel)
        def guarded() -> None:
            with rerun_if_released():
                panel()
        return st.fragment(guarded, run_every=run_every)
    return decorate


def release(key: str) -> None:
    """Close and forget this session's worker under ``key`` (its memory goes back)."""
    adopt(key, None)


def create(key: str, make_trainer: Callable[[], Trainer], **worker_kwargs) -> TrainingWorker | None:
    """Build a trainer and its worker for this session; on bad settings, no free training slot
    or out of memory, show the reason on the page and return None (the old worker is kept)."""
    worker = None
    with user_errors("preparing the data and networks"):
        with st.spinner("Preparing data and networks…"):
            trainer = make_trainer()
            worker = TrainingWorker(trainer, **worker_kwargs)
    return adopt(key, worker) if worker is not None else None


@st.cache_resource(show_spinner=False)
def warm_up_training_processes() -> threading.Thread:
    """Once per server, in the background: the forkserver that pages fork their training
    processes from (the Mode collapse lab's), so that a visitor's first lab starts at once."""
    thread = threading.Thread(target=warm_up, args=(open_lab, lab_frame), name="ganviz-warm-up", daemon=True)
    thread.start()
    return thread


SECRET_BUDGETS = {"run_memory_mb": RUN_MEMORY_ENV, "server_memory_mb": SERVER_MEMORY_ENV}


def budgets_from_secrets() -> None:
    """The memory budgets from ``.streamlit/secrets.toml`` (a ``[ganviz]`` table with
    ``run_memory_mb`` and ``server_memory_mb``), for a server set up there rather than through its
    environment; a variable already set in the environment wins."""
    try:
        table = st.secrets.get("ganviz", {})
    except FileNotFoundError:  # no secrets file at all (StreamlitSecretNotFoundError)
        return
    for key, variable in SECRET_BUDGETS.items():
        if key in table:
            os.environ.setdefault(variable, str(table[key]))


@contextlib.contextmanager
def user_errors(what: str, hint: str | None = None) -> Iterator[None]:
    """Show a user's mistake or a machine limit as ``st.error`` instead of a traceback.

    Catches ``ValueError`` (bad settings or files), ``FileNotFoundError`` and running out of
    memory (with advice; memory is freed afterwards so the next try can succeed).
    """
    message = None
    try:
        with out_of_memory_guard(what, **({"hint": hint} if hint else {})):
            yield
    except ResourceError as err:
        message = str(err)
        out_of_memory = isinstance(err, OutOfMemory)
    except (ValueError, FileNotFoundError) as err:
        message, out_of_memory = f"Could not finish {what}: {err}", False
    if message is not None:
        st.error(message)
        if out_of_memory:
            free_memory()
