"""Sweeps: many independent runs (seeds x settings) of one function, on this machine or on a Ray
cluster, each finished run appended to a JSON-lines log as it arrives, and a sweep resumed from
its log.

Every multi-run command goes through :func:`run_sweep` (``python -m ganviz.bench modes`` and
``lesson``, ``python -m ganviz phase --seeds``), so they all gain the same things at once: a run
is a plain call ``fn(**job)`` returning a JSON-ready row, and where it runs is the executor's
business:

- :class:`LocalPool` (the default): spawned processes with one CPU thread each;
- :class:`RayTasks` (``--ray ADDRESS``): each run one Ray task declaring the CPUs / GPU it needs,
  retried by Ray when it raises or its worker is lost. Ray is imported only here, only then.

A run that still fails is reported on stderr, in the returned :class:`Outcome` and in the log
(a row with ``error``), and the sweep goes on: one bad run never costs the others. A sweep whose
log already holds some of its runs (matched on the fields that identify a run, e.g. dataset,
remedy, seed and steps) trains only the rest; failed rows count as not yet run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator

# tries beyond the first that Ray gives a run that raised or whose worker died; a run that fails
# on a bug fails every time, so a few cost little, and a lost node or a killed worker is retried
MAX_RETRIES = 2
ONE_CPU = {"num_cpus": 1, "num_gpus": 0}

Result = tuple[dict, "dict | None", "str | None"]  # (job, row or None, error or None)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray", metavar="ADDRESS",
                        help="run each run of the sweep as a Ray task (pip install 'ganviz[ray]'): auto (the "
                             "cluster this machine is part of), HOST:PORT, ray://HOST:10001 (Ray Client), "
                             "or local (start Ray on this machine); a failed or lost run is retried "
                             f"{MAX_RETRIES} times")


def parse_seeds(text: str, flag: str = "--seeds") -> list[int]:
    """Seeds written as ranges and single numbers: ``"300-309"``, ``"3,5,8"``, ``"200-203,7"``."""
    seeds = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        try:
            seeds += range(int(first), int(last or first) + 1)
        except ValueError:
            raise ValueError(f"{flag}: {part!r} is not a seed or a range of seeds like 300-309") from None
    if not seeds:
        raise ValueError(f"{flag}: no seed in {text!r}")
    if min(seeds) < 0:
        raise ValueError(f"{flag}: seeds must be >= 0")
    return seeds


def device_needs(device: str) -> dict:
    """What a run on ``device`` asks of a Ray node: one CPU, and a whole GPU when it names cuda
    ("auto" asks for none: Ray only hands a GPU to a task that declared it)."""
    return {"num_cpus": 1, "num_gpus": 1 if device == "cuda" else 0}


@dataclass(frozen=True)
class Sweep:
    """The runs of one command. ``fn`` must be importable by name (a module-level function: a
    worker process or Ray node imports it) and return a JSON-ready row that repeats the job's
    ``key`` fields, which identify a run in the log."""

    fn: Callable[..., dict]
    jobs: list[dict]
    key: tuple[str, ...]
    label: Callable[[dict], str]  # a run in a few words, from its key fields (a job or a row)
    summary: Callable[[dict], str] = lambda row: ""  # a finished row's result in a few words
    needs: Callable[[dict], dict] = lambda job: ONE_CPU  # what a Ray task of this job declares


@dataclass
class Outcome:
    rows: list[dict] = field(default_factory=list)  # finished runs: the log's, then this sitting's
    failed: list[dict] = field(default_factory=list)  # the key fields, error and attempts of each failed run


def run_key(run: dict, key: tuple[str, ...]) -> tuple[str, ...]:
    """A run's identity in a log: its key fields as canonical JSON (so lists and dicts compare)."""
    return tuple(json.dumps(run.get(name), sort_keys=True) for name in key)


def logged(files: list[str], jobs: list[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    """The finished runs logged in ``files`` that match ``jobs`` on ``key``, by run key; rows of
    failed runs are skipped, a run logged twice is an error."""
    wanted = {run_key(job, key) for job in jobs}
    runs: dict[tuple, dict] = {}
    for name in files:
        with open(name) as log:
            for line in filter(str.strip, log):
                row = json.loads(line)
                found = run_key(row, key)
                if found in wanted and "error" not in row:
                    if found in runs:
                        raise ValueError(f"{name}: the run {', '.join(found)} is logged twice")
                    runs[found] = row
    return runs


def executor(ray: str | None, workers: int) -> "LocalPool | RayTasks":
    """Ray tasks when an address is given, else a local pool of ``workers`` processes."""
    return RayTasks(ray) if ray else LocalPool(workers)


def run_sweep(sweep: Sweep, runner: "LocalPool | RayTasks", log: str | None = None) -> Outcome:
    """Every job of ``sweep`` not already finished in ``log``, through ``runner``; each finished
    or failed run is appended to ``log`` and announced on stderr as it arrives."""
    done = logged([log], sweep.jobs, sweep.key) if log and Path(log).exists() else {}
    todo = [job for job in sweep.jobs if run_key(job, sweep.key) not in done]
    if done:
        print(f"{log}: {len(done)} of {len(sweep.jobs)} runs already logged, {len(todo)} to run",
              file=sys.stderr, flush=True)
    outcome = Outcome(rows=list(done.values()))
    start = time.perf_counter()
    for count, (job, row, error) in enumerate(runner.results(sweep.fn, todo, sweep.needs) if todo else [], 1):
        if error is None:
            outcome.rows.append(row)
            summary = sweep.summary(row)
            said = sweep.label(row) + (f": {summary}" if summary else "")
        else:
            row = {name: job[name] for name in sweep.key} | {"error": error, "attempts": runner.attempts}
            outcome.failed.append(row)
            said = f"{sweep.label(job)} FAILED after {runner.attempts} attempt(s): {error}"
        if log:
            with open(log, "a") as out:
                out.write(json.dumps(row) + "\n")
        print(f"[{count}/{len(todo)} {time.perf_counter() - start:.0f}s] {said}", file=sys.stderr, flush=True)
    if outcome.failed:
        print(f"{len(outcome.failed)} of {len(todo)} runs failed" + (f"; the same sweep with the same log ({log}) "
              "runs only those" if log else ""), file=sys.stderr, flush=True)
    return outcome


def _reason(error: BaseException) -> str:
    """One line for a failed run: the exception it raised (a Ray error's cause) and its message."""
    cause = getattr(error, "cause", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[-1] if lines else ''}".rstrip(": ")


def single_thread() -> None:
    import torch

    torch.set_num_threads(1)


class LocalPool:
    """Runs in spawned processes with one CPU thread each (the toy nets are tiny: a core each
    beats sharing cores between runs, and 16 cores run 16 runs at once)."""

    attempts = 1

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers: must be >= 1, got {workers}")
        self.workers = workers

    def results(self, fn: Callable[..., dict], jobs: list[dict], needs: Callable[[dict], dict]) -> Iterator[Result]:
        with ProcessPoolExecutor(min(self.workers, len(jobs)), mp_context=get_context("spawn"),
                                 initializer=single_thread) as pool:
            futures = {pool.submit(fn, **job): job for job in jobs}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result(), None
                except Exception as error:  # a run's failure (or its process's death) is that run's
                    yield futures[future], None, _reason(error)


def _ray_task(fn: Callable[..., dict], job: dict, threads: int) -> dict:
    """One run inside a Ray worker, with as many torch threads as the task declared CPUs (a
    worker is reused across tasks, so this is set on every run)."""
    import torch

    torch.set_num_threads(threads)
    return fn(**job)


class RayTasks:
    """Each run one Ray task with its CPU / GPU needs declared and ``max_retries`` (a run that
    raised or whose worker or node was lost is run again; Ray says so on stderr). Results come
    back in the order they finish. Connects with ``ray.init(address=ADDRESS)`` unless this process
    is connected already (then that cluster is used)."""

    def __init__(self, address: str, max_retries: int = MAX_RETRIES):
        try:
            import ray
        except ImportError:
            raise ValueError("--ray: Ray is not installed; pip install 'ganviz[ray]'") from None
        if not ray.is_initialized():
            ray.init(address=address)
        self.max_retries = max_retries
        self.attempts = max_retries + 1

    def results(self, fn: Callable[..., dict], jobs: list[dict], needs: Callable[[dict], dict]) -> Iterator[Result]:
        import ray

        task = ray.remote(_ray_task)
        refs = {}
        for job in jobs:
            wants = needs(job)
            options = task.options(name=fn.__name__, max_retries=self.max_retries, retry_exceptions=True, **wants)
            refs[options.remote(fn, job, max(1, int(wants["num_cpus"])))] = job
        pending = list(refs)
        while pending:
            (ready,), pending = ray.wait(pending, num_returns=1)
            try:
                yield refs[ready], ray.get(ready), None
            except ray.exceptions.RayError as error:
                yield refs[ready], None, _reason(error)
