"""Mode coverage on the ring of 8 and the grid of 25: the plain GAN against the remedies, over
several seeds (the qualitative table of VEEGAN and PacGAN).

    python -m ganviz.bench modes --modes-seeds 300-309 --modes-log modes.jsonl --json modes.json

The default seeds (300-309) are the table's held-out seeds: declared before the table was run and
never used to choose a setting (docs/mode_collapse.md lists the tuning seeds).

Runs go to parallel worker processes with one CPU thread each (the nets are tiny: a CPU core
beats a GPU's launch overhead, and 16 cores run 16 seeds at once), or with ``--ray ADDRESS`` to a Ray
cluster, one task per run (:mod:`ganviz.sweeps`); a log that already holds some runs is resumed.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

from ganviz.sweeps import Sweep, device_needs, executor, logged, parse_seeds, run_sweep

# the held-out table's rows (docs/mode_collapse.md): the unrolled GAN and minibatch discrimination on
# the ring only (on the grid they take ~440 s and ~400 s per run on a CPU; name them to include them)
DEFAULT_REMEDIES = ["none", "unrolled@ring8", "minibatch@ring8", "pacgan", "mixture"]

# Published numbers (modes covered, % high-quality samples, reverse KL), with their own settings
# (VEEGAN Table 1: ring std 0.01, grid 25; PacGAN Table 1: ring radius 1 std 0.01, grid std 0.05,
# 10 trials). They set the expectation, they are not the same setup as ours.
PUBLISHED = {
    "ring8": [
        ("VEEGAN Table 1", "GAN", 1.0, 99.3, None), ("VEEGAN Table 1", "Unrolled GAN", 7.6, 35.6, None),
        ("VEEGAN Table 1", "VEEGAN", 8.0, 52.9, None),
        ("PacGAN Table 1", "GAN", 6.3, 98.2, 0.45), ("PacGAN Table 1", "PacGAN2", 7.9, 95.6, 0.07),
    ],
    "grid25": [
        ("VEEGAN Table 1", "GAN", 3.3, 0.5, None), ("VEEGAN Table 1", "Unrolled GAN", 23.6, 16.0, None),
        ("VEEGAN Table 1", "VEEGAN", 24.6, 40.0, None),
        ("PacGAN Table 1", "GAN", 17.3, 94.8, 0.70), ("PacGAN Table 1", "PacGAN4", 24.8, 93.6, 0.04),
    ],
}
METRICS = ("modes", "modes_strict", "modes_held", "high_quality", "reverse_kl", "js")
TABLE_SEEDS = "300-309"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("modes suite")
    group.add_argument("--modes-datasets", default="ring8,grid25", help="comma-separated mixtures")
    group.add_argument("--modes-remedies", default=",".join(DEFAULT_REMEDIES),
                       help="comma-separated remedies; 'name@dataset' runs one on that dataset only")
    group.add_argument("--modes-seeds", default=TABLE_SEEDS,
                       help="seeds of every (dataset, remedy), e.g. 300-309 or 3,5,8 (default: the table's)")
    group.add_argument("--modes-steps", type=int, default=None,
                       help="training steps per run (default: per dataset, ganviz.collapse.experiment.STEPS)")
    group.add_argument("--modes-workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    group.add_argument("--modes-device", default="cpu", choices=["cpu", "cuda", "auto"],
                       help="device of each run (default cpu: one thread per process)")
    group.add_argument("--modes-log", metavar="FILE",
                       help="append each finished run to this JSON-lines file; runs it already holds are not run again")
    group.add_argument("--modes-from", metavar="FILE", action="append", default=[],
                       help="train nothing: build the table from runs logged with --modes-log (repeatable; "
                            "the runs that match the datasets, remedies and seeds asked for)")


def _one_run(dataset: str, remedy: str, seed: int, steps: int, device: str) -> dict:
    from ganviz.collapse.experiment import preset, train

    result = train(preset(dataset, remedy, seed, device=device), steps)
    final = result["final"]
    return {"dataset": dataset, "remedy": remedy, "seed": seed, "steps": steps, "seconds": result["seconds"],
            **{k: final[k] for k in METRICS}, "num_modes": final["num_modes"]}


def aggregate(runs: list[dict]) -> dict:
    """{dataset: {remedy: {metric: summary}, ...}} over seeds, plus the per-seed runs."""
    from ganviz.collapse.coverage import summarise
    from ganviz.collapse.experiment import COLLAPSED_HELD, COVERING

    table: dict = {}
    for run in runs:
        table.setdefault(run["dataset"], {}).setdefault(run["remedy"], []).append(run)
    return {ds: {remedy: {"seeds": [r["seed"] for r in rows], "num_modes": rows[0]["num_modes"],
                          "steps": rows[0]["steps"],
                          "seconds": summarise([r["seconds"] for r in rows]),
                          **{m: summarise([r[m] for r in rows]) for m in METRICS},
                          "collapsed": sum(r["modes_held"] <= COLLAPSED_HELD for r in rows),
                          "covering": sum(r["modes_strict"] >= COVERING * r["num_modes"] for r in rows),
                          "per_seed": {m: [r[m] for r in rows] for m in METRICS}}
                 for remedy, rows in by_remedy.items()}
            for ds, by_remedy in table.items()}


def _label(remedy: str, dataset: str) -> str:
    from ganviz.collapse.experiment import REMEDY_SETTINGS
    from ganviz.training.remedies import REMEDIES

    if remedy == "none":
        return "GAN (no remedy)"
    settings = REMEDY_SETTINGS.get((remedy, dataset), {})
    return REMEDIES[remedy].label + (f" ({', '.join(f'{k}={v}' for k, v in settings.items())})" if settings else "")


def markdown(results: dict) -> str:
    """The benchmark table (mean ± std over seeds, and how many seeds collapse or cover), next to
    the published numbers."""
    from ganviz.collapse.experiment import COLLAPSED_HELD, COVERING

    lines = []
    for ds, by_remedy in results.items():
        steps = sorted({row["steps"] for row in by_remedy.values()})
        lines += [f"**{ds}** ({' / '.join(f'{n:,}' for n in steps)} updates; collapsed: <= {COLLAPSED_HELD} "
                  f"modes held; covering: >= {COVERING * 100:g}% of the modes holding >= 1% HQ samples)", "",
                  "| setup | modes (>=1 HQ) | modes (>=1% HQ) | modes held (>=1%) | high quality % | reverse KL "
                  "| collapsed / covering | source |",
                  "|---|---|---|---|---|---|---|---|"]
        for remedy, row in by_remedy.items():
            cell = lambda m, f: f"{row[m]['mean']:{f}} ± {row[m]['std']:{f}}"
            n = len(row["seeds"])
            lines.append(f"| {_label(remedy, ds)} | "
                         f"{cell('modes', '.1f')} / {row['num_modes']} | {cell('modes_strict', '.1f')} | "
                         f"{cell('modes_held', '.1f')} | {cell('high_quality', '.1f')} | {cell('reverse_kl', '.2f')} | "
                         f"{row['collapsed']}/{n} / {row['covering']}/{n} | this project, seeds {_seed_list(row['seeds'])} |")
        for source, name, modes, hq, rkl in PUBLISHED.get(ds, []):
            lines.append(f"| {name} | {modes} | – | – | {hq} | {'–' if rkl is None else rkl} | – | {source} |")
        lines.append("")
    return "\n".join(lines)


def _seed_list(seeds: list[int]) -> str:
    """``[300, 301, 302, 7]`` as ``"7, 300-302"``."""
    runs = [[seed for _, seed in group]
            for _, group in itertools.groupby(enumerate(sorted(set(seeds))), lambda pair: pair[1] - pair[0])]
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)


RUN_KEY = ("dataset", "remedy", "seed", "steps")  # what identifies a run in a log (not the device it ran on)


def _train_all(jobs: list[dict], args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """(finished runs, failed runs): the jobs not yet in ``--modes-log``, locally or on Ray."""
    # slowest first (unrolled, minibatch; longer runs), so the pool's tail is short
    jobs = sorted(jobs, key=lambda job: (job["remedy"] not in ("unrolled", "minibatch"), -job["steps"]))
    sweep = Sweep(_one_run, jobs, RUN_KEY, label=lambda r: f"{r['dataset']} {r['remedy']} seed {r['seed']}",
                  summary=lambda r: (f"{r['modes']}/{r['num_modes']} modes, {r['high_quality']:.1f}% HQ, "
                                     f"rev-KL {r['reverse_kl']:.2f} ({r['seconds']:.0f}s)"),
                  needs=lambda job: device_needs(job["device"]))
    outcome = run_sweep(sweep, executor(args.ray, args.modes_workers), args.modes_log)
    return outcome.rows, outcome.failed


def _from_logs(files: list[str], jobs: list[dict]) -> list[dict]:
    """The logged runs that match ``jobs`` (dataset, remedy, seed and steps); each job at most once."""
    runs = logged(files, jobs, RUN_KEY)
    if not runs:
        raise ValueError("--modes-from: no logged run matches the datasets, remedies, seeds and steps asked for")
    if len(runs) < len(jobs):
        print(f"--modes-from: {len(jobs) - len(runs)} of {len(jobs)} run(s) not logged", file=sys.stderr)
    return list(runs.values())


def run(args: argparse.Namespace) -> dict:
    from ganviz.collapse.experiment import BASE, DATASETS, REMEDY_SETTINGS, STEPS
    from ganviz.training.remedies import REMEDIES

    datasets = [d for d in args.modes_datasets.split(",") if d]
    remedies = [tuple(item.split("@", 1)) if "@" in item else (item, None)
                for item in args.modes_remedies.split(",") if item]
    for name, only in remedies:
        if name not in REMEDIES:
            raise ValueError(f"--modes-remedies: unknown remedy {name!r}; choose from {', '.join(REMEDIES)}")
        if only is not None and only not in DATASETS:
            raise ValueError(f"--modes-remedies: unknown dataset {only!r} in {name}@{only}")
    for ds in datasets:
        if ds not in DATASETS:
            raise ValueError(f"--modes-datasets: unknown dataset {ds!r}; choose from {', '.join(DATASETS)}")
    seeds = parse_seeds(args.modes_seeds, "--modes-seeds")
    if args.modes_workers < 1 or (args.modes_steps is not None and args.modes_steps < 1):
        raise ValueError("--modes-steps, --modes-workers: must be >= 1")
    steps = {ds: args.modes_steps or STEPS[ds] for ds in datasets}
    jobs = [{"dataset": ds, "remedy": remedy, "seed": seed, "steps": steps[ds], "device": args.modes_device}
            for seed in seeds for ds in datasets for remedy, only in remedies
            if only in (None, ds)]
    start = time.perf_counter()
    runs, failed = (_from_logs(args.modes_from, jobs), []) if args.modes_from else _train_all(jobs, args)
    order = [name for name, _ in remedies]
    runs.sort(key=lambda r: (datasets.index(r["dataset"]), order.index(r["remedy"]), r["seed"]))
    results = aggregate(runs)
    print(markdown(results), file=sys.stderr)
    return {"settings": {"steps": steps, "seeds": seeds, "device": args.modes_device,
                         "base": BASE, "datasets": {d: DATASETS[d] for d in datasets},
                         "remedy_settings": {f"{r}/{d}": v for (r, d), v in REMEDY_SETTINGS.items()},
                         "eval": "2500 samples; covered = >= 1 sample within 3 std of the mode"},
            "wall_seconds": time.perf_counter() - start, "results": results, "runs": runs, "failed": failed,
            "published": PUBLISHED}
