"""Sweeps on Ray, on a Ray instance this module starts on this machine with 2 CPUs: a modes sweep
from another process connects by address, runs as Ray tasks and logs the rows the local pool
logs; a worker killed mid-run is retried and the sweep completes; a run that keeps failing is
retried, reported and logged, and the next sitting runs only what the log lacks; a phase diagram
runs one task per seed."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganviz.bench import modes
from ganviz.bench.__main__ import main as bench
from ganviz.cli import main as cli
from ganviz.sweeps import MAX_RETRIES

ray = pytest.importorskip("ray")

SWEEP = ["modes", "--modes-datasets", "ring8", "--modes-remedies", "none,pacgan", "--modes-seeds", "0",
         "--modes-steps", "3"]


@pytest.fixture(scope="module")
def address():
    """A local Ray instance with 2 CPUs, shared by the module (it takes seconds to start). Sweeps in
    this process use the connection; a sweep in another process connects by this address (and
    Ray's token, which ``ray.init`` puts in the environment children inherit)."""
    ray.init(address="local", num_cpus=2, include_dashboard=False)  # a new instance, never one found running
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _rows(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def _report(tmp_path: Path, args: list[str]) -> dict:
    out = tmp_path / "report.json"
    assert bench(args + ["--json", str(out)]) == 0
    return json.loads(out.read_text())["suites"]["modes"]


def test_a_sweep_from_another_process_runs_as_ray_tasks_and_logs_the_rows_the_local_pool_logs(address, tmp_path):
    log = tmp_path / "runs.jsonl"
    done = subprocess.run([sys.executable, "-m", "ganviz.bench", *SWEEP, "--modes-log", str(log), "--ray", address],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "FAILED" not in done.stderr
    rows = sorted(_rows(log), key=lambda row: row["remedy"])
    assert [row["remedy"] for row in rows] == ["none", "pacgan"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each Ray task and each local worker runs
    try:
        local = modes._one_run("ring8", "pacgan", 0, 3, "cpu")  # what a local pool worker returns
    finally:
        torch.set_num_threads(threads)
    assert set(rows[1]) == set(local)
    same = lambda row: json.dumps({k: v for k, v in row.items() if k != "seconds"}, sort_keys=True)  # NaN == NaN
    assert same(rows[1]) == same(local)


def test_a_worker_killed_mid_run_is_retried_and_the_sweep_completes(address, tmp_path, monkeypatch):
    marker = tmp_path / "kill-once"
    marker.touch()
    real = modes._one_run

    def killed_once(**job):  # a local function: Ray ships it by value to the workers
        row = real(**job)
        try:
            os.remove(marker)  # the first run to get here dies before it returns its row
        except FileNotFoundError:
            return row
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(modes, "_one_run", killed_once)
    log = tmp_path / "runs.jsonl"
    report = _report(tmp_path, SWEEP + ["--modes-log", str(log), "--ray", address])
    assert not marker.exists()  # a worker was killed ...
    assert report["failed"] == [] and sorted(row["remedy"] for row in _rows(log)) == ["none", "pacgan"]  # ... and its run retried


def test_a_failing_run_is_retried_reported_and_logged_and_the_next_sitting_runs_only_it(address, tmp_path, monkeypatch):
    attempts = tmp_path / "attempts"
    real = modes._one_run

    def pacgan_broken(**job):
        if job["remedy"] == "pacgan":
            with open(attempts, "a") as out:
                out.write("try\n")
            raise RuntimeError("pacgan is broken today")
        return real(**job)

    log = tmp_path / "runs.jsonl"
    monkeypatch.setattr(modes, "_one_run", pacgan_broken)
    report = _report(tmp_path, SWEEP + ["--modes-log", str(log), "--ray", address])
    failed = {"dataset": "ring8", "remedy": "pacgan", "seed": 0, "steps": 3,
              "error": "RuntimeError: pacgan is broken today", "attempts": MAX_RETRIES + 1}
    assert report["failed"] == [failed] and [run["remedy"] for run in report["runs"]] == ["none"]
    assert len(attempts.read_text().splitlines()) == MAX_RETRIES + 1
    assert failed in _rows(log) and len(_rows(log)) == 2

    def pacgan_only(**job):  # the next sitting: the plain run is in the log, only pacgan may run
        assert job["remedy"] == "pacgan", "a logged run was run again"
        return real(**job)

    monkeypatch.setattr(modes, "_one_run", pacgan_only)
    report = _report(tmp_path, SWEEP + ["--modes-log", str(log), "--ray", address])
    assert report["failed"] == [] and [run["remedy"] for run in report["runs"]] == ["none", "pacgan"]
    assert [row["remedy"] for row in _rows(log)] == ["none", "pacgan", "pacgan"]  # the failure stays on record


def test_the_phase_diagram_trains_one_ray_task_per_seed(address, tmp_path, capsys):
    log = tmp_path / "phase.jsonl"
    args = ["phase", "--x", "lr_d=1e-3,1e-2", "--y", "n_critic=1,2", "--steps", "3", "--seeds", "0-1",
            "--model.width", "8", "--model.depth", "1", "--batch_size", "16", "--device", "cpu",
            "--log", str(log), "--ray", address, "--json"]
    assert cli(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["seeds"] == [0, 1] and result["failed"] == [] and result["step"] == 3
    assert np.array_equal(result["modes"], np.mean([seed["modes"] for seed in result["per_seed"]], axis=0))
    assert sorted(row["seed"] for row in _rows(log)) == [0, 1]
