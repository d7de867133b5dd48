import argparse
import json

import pytest

from ganviz.bench import SUITES
from ganviz.bench.modes import PUBLISHED, _one_run, add_arguments, aggregate, markdown, run


def fake_run(remedy, seed, modes):
    return {"dataset": "ring8", "remedy": remedy, "seed": seed, "steps": 5000, "seconds": 1.0, "modes": modes,
            "modes_strict": modes, "modes_held": modes, "high_quality": 50.0, "reverse_kl": 0.1, "js": 0.2, "num_modes": 8}


def test_aggregate_gives_mean_and_spread_over_seeds_and_the_table_shows_published_rows():
    runs = [fake_run("none", 0, 1), fake_run("none", 1, 3), fake_run("pacgan", 0, 8), fake_run("pacgan", 1, 8)]
    results = aggregate(runs)
    plain = results["ring8"]["none"]
    assert plain["modes"]["mean"] == 2.0 and plain["modes"]["std"] == pytest.approx(2 ** 0.5)
    assert plain["per_seed"]["modes"] == [1, 3] and plain["seeds"] == [0, 1]
    assert (plain["collapsed"], plain["covering"]) == (1, 0)  # seed 0 holds 1 mode, seed 1 holds 3
    assert (results["ring8"]["pacgan"]["collapsed"], results["ring8"]["pacgan"]["covering"]) == (0, 2)
    table = markdown(results)
    assert "**ring8** (5,000 updates;" in table
    assert "| GAN (no remedy) | 2.0 ± 1.4 / 8 |" in table and "| 1/2 / 0/2 | this project, seeds 0-1 |" in table
    assert "| PacGAN (pack=2) | 8.0 ± 0.0 / 8 |" in table
    assert all(f"| {name} |" in table for _, name, *_ in PUBLISHED["ring8"])


def test_one_benchmark_run_reports_the_mode_metrics():
    row = _one_run("ring8", "pacgan", 1, 3, "cpu")
    assert row["remedy"] == "pacgan" and row["seed"] == 1 and row["num_modes"] == 8 and row["steps"] == 3
    assert 0 <= row["modes_strict"] <= row["modes"] <= 8


def test_the_suite_is_registered_and_checks_its_arguments():
    assert SUITES["modes"][0] == "ganviz.bench.modes"
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(ValueError, match="unknown remedy"):
        run(parser.parse_args(["--modes-remedies", "none,magic"]))
    with pytest.raises(ValueError, match="unknown dataset"):
        run(parser.parse_args(["--modes-datasets", "ring8,spiral"]))
    for bad in (["--modes-steps", "0"], ["--modes-workers", "0"]):
        with pytest.raises(ValueError, match="must be >= 1"):
            run(parser.parse_args(bad))
    for bad, why in ((",", "no seed"), ("3-x", "not a seed"), ("-2", "not a seed")):
        with pytest.raises(ValueError, match=why):
            run(parser.parse_args(["--modes-seeds", bad]))


def test_the_table_can_be_rebuilt_from_logged_runs_of_several_machines(tmp_path):
    here, there = tmp_path / "here.jsonl", tmp_path / "there.jsonl"
    here.write_text("\n".join(json.dumps(r) for r in [fake_run("none", 0, 1), fake_run("none", 1, 3),
                                                      fake_run("none", 7, 8)]) + "\n")
    there.write_text(json.dumps(fake_run("pacgan", 0, 8)) + "\n" + json.dumps({**fake_run("pacgan", 1, 8), "steps": 99}))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = ["--modes-datasets", "ring8", "--modes-remedies", "none,pacgan", "--modes-seeds", "0-1",
            "--modes-from", str(here), "--modes-from", str(there)]
    results = run(parser.parse_args(args))["results"]["ring8"]
    assert results["none"]["per_seed"]["modes"] == [1, 3]  # seed 7 is not asked for
    assert results["pacgan"]["seeds"] == [0]  # seed 1 was logged with other settings (99 steps)
    with pytest.raises(ValueError, match="logged twice"):
        run(parser.parse_args(args + ["--modes-from", str(here)]))
    with pytest.raises(ValueError, match="no logged run"):
        run(parser.parse_args(["--modes-datasets", "grid25", "--modes-from", str(here)]))
