"""The sweep seam without Ray (ganviz.sweeps): the modes benchmark and the phase diagram's seeds
run in local processes and never import Ray; a run that fails is reported and logged while the
others finish; a log that holds every run trains nothing."""
import json
import subprocess
import sys
import textwrap

import pytest

from ganviz.bench.modes import RUN_KEY, _one_run
from ganviz.sweeps import LocalPool, Sweep, executor, logged, run_sweep

JOB = {"dataset": "ring8", "remedy": "none", "seed": 0, "steps": 2, "device": "cpu"}


def _sweep(jobs):
    return Sweep(_one_run, jobs, RUN_KEY, label=lambda run: f"{run['remedy']} seed {run['seed']}")


def test_without_ray_the_modes_and_phase_sweeps_run_in_local_processes_and_never_import_ray(tmp_path):
    modes_log, phase_log = tmp_path / "modes.jsonl", tmp_path / "phase.jsonl"
    script = textwrap.dedent(f"""
        import contextlib, io, sys
        from ganviz.bench.__main__ import main as bench
        from ganviz.cli import main as cli
        with contextlib.redirect_stdout(io.StringIO()):
            assert bench(["modes", "--modes-datasets", "ring8", "--modes-remedies", "none", "--modes-seeds", "0",
                          "--modes-steps", "2", "--modes-workers", "1", "--modes-log", {str(modes_log)!r}]) == 0
            assert cli(["phase", "--x", "lr_d=1e-3,1e-2", "--y", "n_critic=1,2", "--steps", "2", "--seeds", "0-1",
                        "--workers", "1", "--model.width", "8", "--model.depth", "1", "--batch_size", "16",
                        "--device", "cpu", "--log", {str(phase_log)!r}]) == 0
        assert "ray" not in sys.modules, "ray was imported"
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = [json.loads(line) for line in modes_log.read_text().splitlines()]
    assert {k: row[k] for k in RUN_KEY} == {k: JOB[k] for k in RUN_KEY} and 0 <= row["modes"] <= 8
    phase = [json.loads(line) for line in phase_log.read_text().splitlines()]
    assert sorted(row["seed"] for row in phase) == [0, 1] and all(row["result"]["step"] == 2 for row in phase)


def test_a_failed_run_is_reported_and_logged_while_the_others_finish(tmp_path, capsys):
    log = tmp_path / "runs.jsonl"
    jobs = [JOB, {**JOB, "dataset": "moons"}]  # not one of the mixtures: that run raises in its worker
    outcome = run_sweep(_sweep(jobs), LocalPool(2), str(log))
    assert [row["dataset"] for row in outcome.rows] == ["ring8"]
    (failed,) = outcome.failed
    assert failed["dataset"] == "moons" and failed["error"].startswith("ValueError") and failed["attempts"] == 1
    assert failed in [json.loads(line) for line in log.read_text().splitlines()]
    assert "FAILED" in capsys.readouterr().err
    finished = logged([str(log)], jobs, RUN_KEY).values()  # a failed row is not a finished run
    assert [(row["dataset"], row["seconds"]) for row in finished] == [("ring8", outcome.rows[0]["seconds"])]


def test_a_log_holding_every_run_trains_nothing(tmp_path):
    log = tmp_path / "runs.jsonl"
    rows = [{**JOB, "seed": seed, "modes": seed} for seed in (0, 1)]
    log.write_text("".join(json.dumps(row) + "\n" for row in rows))
    jobs = [{**JOB, "seed": seed} for seed in (0, 1)]
    outcome = run_sweep(_sweep(jobs), LocalPool(1), str(log))
    assert outcome.rows == rows and outcome.failed == []
    assert len(log.read_text().splitlines()) == 2


def test_the_executor_is_a_local_pool_unless_ray_is_named():
    assert isinstance(executor(None, 3), LocalPool)
    with pytest.raises(ValueError, match="workers: must be >= 1"):
        executor(None, 0)
