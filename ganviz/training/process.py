"""Training in a child process that a UI polls.

:class:`~ganviz.training.worker.TrainingWorker` steps a trainer in a thread of the server
process. That thread shares the interpreter lock with the page's script thread, which builds
figures and serialises them a few times a second: on a small machine the Mode collapse page
trained several times slower than the same runs outside Streamlit (docs/tuning_notes.md). A
:class:`ProcessWorker` steps its job in a child process instead, at engine speed, and a few times
a second sends the page a finished *frame*: the step, the history, the error if any, and whatever
its ``view`` function draws from the job (plain numpy arrays). The page only reads the latest frame. If the kernel kills the
child (out of memory), only its own run is lost and the frame says so.

Children are forked from a forkserver that has already imported the job's modules, so a new run
starts in a fraction of a second instead of paying torch's import again.

The job is built in the child by ``build(*args)`` and needs ``step(n, **kwargs)``,
``step_count`` and a ``history`` with ``as_dict()`` (a Trainer or a
:class:`~ganviz.collapse.experiment.SideBySide`). ``build`` and ``view`` must be module-level functions,
since they travel to the child by name.
"""
from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import sys
import threading
import time
import types
import weakref
from typing import Any, Callable, Iterator

from ganviz.resources import claim_worker_slot, describe_out_of_memory, is_out_of_memory
from ganviz.training.worker import Snapshot

START_METHOD = "forkserver"
READY_TIMEOUT_S = 120.0
REPLY_TIMEOUT_S = 30.0
_preloaded: set[str] = set()


class ProcessWorker:
    """A job trained in a child process; the same controls as a TrainingWorker (``start``,
    ``pause``, ``step``, ``snapshot``, ``close``), plus ``set_view`` for what frames carry."""

    def __init__(self, build: Callable[..., Any], args: tuple = (), *,
                 view: Callable[..., dict] | None = None, options: dict | None = None, chunk: int = 25,
                 frame_seconds: float = 0.5, threads: int = 1):
        if chunk < 1:
            raise ValueError(f"chunk: must be >= 1, got {chunk}")
        if frame_seconds <= 0:
            raise ValueError(f"frame_seconds: must be > 0, got {frame_seconds}")
        if threads < 1:
            raise ValueError(f"threads: must be >= 1, got {threads}")
        context = _context(build, view)
        child_commands, self._commands = context.Pipe(duplex=False)  # (read end, write end)
        frames_in, frames_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_serve, name="ganviz-trainer",
            args=(build, args, view, dict(options or {}), chunk, frame_seconds, threads, child_commands, frames_out),
            daemon=True)
        self._seq = itertools.count(1)
        self._send_lock = threading.Lock()
        self._frame_ready = threading.Condition()
        self._frame: dict | None = None
        self._closed = threading.Event()
        with _main_script_hidden():
            self._process.start()
        child_commands.close()
        frames_out.close()
        claim_worker_slot(self)
        weakref.finalize(self, _shut_down, self._process, self._commands, self._closed)
        threading.Thread(target=_read_frames, args=(weakref.ref(self), frames_in, self._process, self._closed),
                         name="ganviz-frames", daemon=True).start()

    # -- state -------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        frame = self._frame
        return bool(frame and frame["running"])

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def released(self) -> bool:
        """Whether the job is gone (closed, or its process ended): only the last frame remains."""
        return self._closed.is_set() or not self._process.is_alive()

    @property
    def target(self) -> int | None:
        frame = self._frame
        return frame["target"] if frame else None

    @property
    def step_count(self) -> int:
        frame = self._frame
        return frame["step"] if frame else 0

    def snapshot(self) -> Snapshot:
        """The latest frame as a Snapshot; its ``extra`` holds the view (empty until the job is built)."""
        frame = self._frame
        if frame is None:
            return Snapshot(0, False, None, {}, None, 0.0, {})
        return Snapshot(frame["step"], frame["running"], frame["target"], frame["history"], frame["error"],
                        frame["rate"], frame["view"])

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> Snapshot:
        """Block until the child has built its job and sent a first frame."""
        self._wait(lambda frame: frame is not None, timeout)
        return self.snapshot()

    # -- control -----------------------------------------------------------------------------
    def start(self, target: int | None = None) -> None:
        self._request("start", target)

    def pause(self) -> None:
        """Stop after the current chunk; returns once the frame at the final step has arrived."""
        if not self._closed.is_set():
            self._request("pause", wait=True)

    def step(self, n: int = 1, wait: bool = True, **kwargs) -> None:
        """Manual steps (GAN Lab's step mode); with ``wait`` returns once their frame has arrived."""
        if n < 1:
            raise ValueError(f"n: must be >= 1, got {n}")
        self._request("step", n, kwargs, wait=wait)

    def set_view(self, wait: bool = True, **options) -> None:
        """Change what the view draws (e.g. ``manifold=True``); frames from now on use it."""
        self._request("view", options, wait=wait)

    def close(self, timeout: float = 5.0, release: bool = False) -> None:
        """End the child; the last frame stays readable. (``release`` is accepted for symmetry with
        TrainingWorker: a closed process has already handed its memory back.)"""
        if self._closed.is_set():
            return
        self._closed.set()
        _shut_down(self._process, self._commands, self._closed, timeout)

    def release(self, reason: str = "This training was closed to free memory.") -> None:
        frame = self._frame
        if frame is not None and not frame["error"]:
            self._frame = {**frame, "running": False, "error": reason}
        self.close()

    # -- plumbing ----------------------------------------------------------------------------
    def _request(self, kind: str, *payload, wait: bool = False) -> None:
        if self._closed.is_set():
            raise RuntimeError("this worker is closed")
        seq = next(self._seq)
        with self._send_lock:
            try:
                self._commands.send((kind, seq, *payload))
            except (BrokenPipeError, OSError):
                return  # the child is gone; the reader thread reports why
        if wait:
            self._wait(lambda frame: frame is not None and frame["ack"] >= seq, REPLY_TIMEOUT_S)

    def _wait(self, done: Callable[[dict | None], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._frame_ready:
            while not done(self._frame) and not self.released:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the training process did not answer within {timeout:.0f} s")
                self._frame_ready.wait(min(left, 0.2))

    def _receive(self, frame: dict) -> None:
        with self._frame_ready:
            self._frame = frame
            self._frame_ready.notify_all()

    def _child_ended(self, exitcode: int | None) -> None:
        if self._closed.is_set():
            return
        why = ("it was killed (signal {}), most likely for using too much memory".format(-exitcode)
               if exitcode is not None and exitcode < 0 else f"it exited with code {exitcode}")
        frame = self._frame or {"step": 0, "target": None, "history": {}, "rate": 0.0, "view": {}, "ack": 0}
        self._receive({**frame, "running": False,
                       "error": f"The training process stopped: {why}. Only this run was lost; reset to start again."})


def warm_up(build: Callable, view: Callable | None = None) -> None:
    """Start the forkserver now: it imports torch and the job's modules once (seconds), so the
    first training a visitor starts does not wait for that."""
    _context(build, view)
    from multiprocessing import forkserver

    with _main_script_hidden():
        forkserver.ensure_running()


# -- the parent's side ------------------------------------------------------------------------------
def _context(build: Callable, view: Callable | None) -> multiprocessing.context.BaseContext:
    """The forkserver context, preloading the modules the job comes from (once per server)."""
    context = multiprocessing.get_context(START_METHOD)
    modules = {__name__, build.__module__} | ({view.__module__} if view is not None else set())
    if not modules <= _preloaded:
        _preloaded.update(modules)
        context.set_forkserver_preload(sorted(_preloaded))
    return context


@contextlib.contextmanager
def _main_script_hidden() -> Iterator[None]:
    """multiprocessing rebuilds the parent's ``__main__`` in each child by running its file again.
    Under Streamlit that file is the page script being run (Streamlit installs each script as
    ``__main__``), which must never run inside a training process. The job travels by module name,
    so the child needs no ``__main__``: an empty one stands in while the child's start-up data is
    taken."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _read_frames(worker_ref: "weakref.ref[ProcessWorker]", frames, process, closed: threading.Event) -> None:
    """The reader thread: hands each frame to the worker; reports the child's end."""
    while True:
        try:
            frame = frames.recv()
        except (EOFError, OSError):
            process.join(5)
            worker = worker_ref()
            if worker is not None:
                worker._child_ended(process.exitcode)
            return
        worker = worker_ref()
        if worker is None or closed.is_set():
            return
        worker._receive(frame)
        del worker


def _shut_down(process, commands, closed: threading.Event, timeout: float = 5.0) -> None:
    closed.set()
    try:
        commands.send(("close", 0))
    except (BrokenPipeError, OSError):
        pass
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join(timeout)
    commands.close()


# -- the child's side -------------------------------------------------------------------------------
class _Child:
    """The loop of the child process: commands in, steps, frames out."""

    def __init__(self, job, view, options: dict, chunk: int, frame_seconds: float, frames):
        self.job, self.view, self.options = job, view, options
        self.chunk, self.frame_seconds, self.frames = chunk, frame_seconds, frames
        self.running, self.target, self.error = False, None, None
        self.ack, self.rate = 0, 0.0
        self.last_frame, self.last_step = time.perf_counter(), job.step_count

    def handle(self, command: tuple) -> bool:
        """Apply one command; False when the child should end."""
        kind, seq, *payload = command
        if kind == "close":
            return False
        if kind == "start":
            self.error, self.target, self.running = None, payload[0], True
        elif kind == "pause":
            self.running = False
        elif kind == "step":
            n, kwargs = payload
            self.error = None
            self.guarded(lambda: self.job.step(n, **kwargs))
        elif kind == "view":
            self.options.update(payload[0])
        self.ack = seq
        self.send()
        return True

    def advance(self) -> None:
        remaining = None if self.target is None else self.target - self.job.step_count
        if remaining is not None and remaining <= 0:
            self.running = False
            self.send()
            return
        n = self.chunk if remaining is None else min(self.chunk, remaining)
        if not self.guarded(lambda: self.job.step(n)):
            self.running = False
            self.send()
        elif time.perf_counter() - self.last_frame >= self.frame_seconds:
            self.send()

    def guarded(self, fn: Callable[[], object]) -> bool:
        from ganviz.training.trainer import DivergenceError

        try:
            fn()
            return True
        except DivergenceError as err:
            self.error = str(err)
        except Exception as err:  # shown to the user; the child must survive it
            self.error = (describe_out_of_memory(err, "training") if is_out_of_memory(err)
                          else f"{type(err).__name__}: {err}")
        return False

    def send(self) -> None:
        now = time.perf_counter()
        if self.running and now > self.last_frame:
            self.rate = (self.job.step_count - self.last_step) / (now - self.last_frame)
        self.last_frame, self.last_step = now, self.job.step_count
        view = {}
        if self.view is not None:
            try:
                view = self.view(self.job, **self.options)
            except Exception as err:  # a broken view must not stop training
                self.error = self.error or f"drawing failed: {type(err).__name__}: {err}"
        self.frames.put({"step": self.job.step_count, "running": self.running, "target": self.target,
                         "history": self.job.history.as_dict(), "error": self.error, "rate": self.rate,
                         "view": view, "ack": self.ack})


class _Outbox:
    """Frames leave the child from a thread of their own: training never waits for a server that
    is slow to read (a full pipe blocks only this thread). A frame overtaken by a newer one before
    it could be sent is dropped; the newer one carries every acknowledgement the older did."""

    def __init__(self, pipe):
        self.pipe, self.frame, self.ready = pipe, None, threading.Condition()
        self.broken = threading.Event()
        threading.Thread(target=self._send_loop, name="ganviz-frames-out", daemon=True).start()

    def put(self, frame: dict) -> None:
        if self.broken.is_set():
            raise BrokenPipeError("the parent has gone")
        with self.ready:
            self.frame = frame
            self.ready.notify()

    def flush(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self.ready:
            while self.frame is not None and not self.broken.is_set() and time.monotonic() < deadline:
                self.ready.wait(0.05)

    def _send_loop(self) -> None:
        while True:
            with self.ready:
                while self.frame is None:
                    self.ready.wait()
                frame, self.frame = self.frame, None
                self.ready.notify_all()
            try:
                self.pipe.send(frame)
            except (BrokenPipeError, OSError):
                self.broken.set()
                return


def _serve(build, args, view, options, chunk, frame_seconds, threads, commands, frames) -> None:
    """The child process's body. It ends on a close command, or when the parent goes away."""
    import torch

    torch.set_num_threads(threads)
    try:
        job = build(*args)
    except Exception as err:  # bad settings: say so in the one frame this child will send
        frames.send({"step": 0, "running": False, "target": None, "history": {}, "rate": 0.0, "view": {},
                     "ack": 0, "error": f"{type(err).__name__}: {err}"})
        return
    outbox = _Outbox(frames)
    child = _Child(job, view, options, chunk, frame_seconds, outbox)
    try:
        child.send()
        while True:
            wait = 0 if child.running else 0.2
            while commands.poll(wait):
                if not child.handle(commands.recv()):
                    outbox.flush()
                    return
                wait = 0
            if child.running:
                child.advance()
    except (EOFError, BrokenPipeError, OSError):
        return  # the parent has gone
