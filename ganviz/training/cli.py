"""``python -m ganviz train`` and ``python -m ganviz phase``: headless training with a progress bar.

- ``train``: every config field is also a flag (``--lr_d 2e-4 --data.name grid25``); flags
  override ``--config``. Writes a Hub-format checkpoint and ``metrics.json`` to ``--out``;
  ``--gif PATH`` / ``--mp4 PATH`` also write the samples as they form (the Train page's view).
- ``phase``: a phase diagram (:mod:`ganviz.training.phase`), e.g.
  ``python -m ganviz phase --x lr_d=1e-4:1e-2:5 --y n_critic=1,2,5 --steps 2000``; the config
  flags set what the axes do not. ``--seeds 0-4`` trains it once per seed and prints the mean,
  each seed a run of a :mod:`ganviz.sweeps` sweep (``--workers`` local processes, or Ray tasks
  with ``--ray ADDRESS``; ``--log FILE`` keeps each seed's diagram and resumes).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ganviz import sweeps
from ganviz.animation.cli import add_export_flags, export_targets, frame_every, write_exports
from ganviz.cli import step_count
from ganviz.config import TrainConfig, flatten, parse_json, unflatten


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    for name, (_, default, _) in TrainConfig.field_specs().items():
        parser.add_argument(f"--{name}", dest=f"cfg:{name}", default=None, metavar="VALUE",
                            help=f"{TrainConfig.field_help(name)} (default: {default!r})")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    base = _config_file(args.config) if getattr(args, "config", None) else {}
    flat = flatten(TrainConfig.from_dict(base).to_dict())
    for key, value in vars(args).items():
        if key.startswith("cfg:") and value is not None:
            flat[key[4:]] = TrainConfig.parse_field(key[4:], value)
    return TrainConfig.from_dict(unflatten(flat))


def _config_file(path: str):
    """The TrainConfig a ``--config`` file holds; a checkpoint's config.json replays its run."""
    base = parse_json(Path(path).read_bytes(), f"config {path}")
    return base["train"] if isinstance(base, dict) and "train" in base and "shape" in base else base


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    if command == "phase":
        _add_phase_arguments(parser)
        return
    parser.add_argument("--config", help="a TrainConfig JSON file, or a checkpoint's config.json")
    parser.add_argument("--steps", type=step_count, default=2000, help="number of D+G updates")
    parser.add_argument("--chunk", type=int, default=50, help="updates between progress refreshes")
    parser.add_argument("--out", default="runs/latest", help="folder for the checkpoint and metrics.json")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_export_flags(parser, "the samples as they form (the fixed latent batch, or real vs generated on 2D data)")
    add_config_flags(parser)


def run(args: argparse.Namespace) -> int:
    return _run_phase(args) if args.command == "phase" else _train(args)


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.animation.frames import recorder, samples_frame
    from ganviz.training import Trainer, health

    if args.chunk < 1:
        raise ValueError(f"chunk: must be >= 1, got {args.chunk}")
    config = config_from_args(args)
    targets = export_targets(args)
    Path(args.out).mkdir(parents=True, exist_ok=True)  # a folder that cannot be written fails before training
    trainer = Trainer(config)
    every = frame_every(args, args.steps)
    frames = recorder(every=every)
    if targets:
        frames.offer(0, samples_frame(trainer))
    bar = tqdm(total=args.steps, unit="step", disable=args.quiet, file=sys.stderr)
    while trainer.step_count < args.steps:
        done = trainer.step_count
        n = min(args.chunk, args.steps - done)
        if targets:
            n = min(n, every - done % every)  # a chunk ends on each frame
        trainer.step(n)
        if targets and (trainer.step_count % every == 0 or trainer.step_count == args.steps):
            frames.offer(trainer.step_count, samples_frame(trainer))
        last = trainer.history.last()
        bar.update(n)
        bar.set_postfix(d_loss=f"{last['d_loss']:.3f}", g_loss=f"{last['g_loss']:.3f}")
    bar.close()
    diagnosis = health.diagnose(trainer.history.as_dict(), config)
    if diagnosis is not None:  # on stderr: stdout stays the one JSON line
        print(f"warning: {diagnosis.message}", file=sys.stderr)
    out = trainer.save(args.out)
    print(json.dumps({"checkpoint": str(out), "steps": trainer.step_count, **trainer.history.last(),
                      **write_exports(frames, targets, args.fps)}))
    return 0


# -- phase ----------------------------------------------------------------------------------------
def _add_phase_arguments(parser: argparse.ArgumentParser) -> None:
    from ganviz.training.phase import AXES

    parser.add_argument("--x", required=True,
                        help=f"x axis, NAME=a,b,c or NAME=low:high:count; NAME in {', '.join(AXES)}")
    parser.add_argument("--y", required=True, help="y axis, the same form")
    parser.add_argument("--steps", type=step_count, default=2000, help="updates of every cell")
    parser.add_argument("--streams", choices=["shared", "member"], default="shared",
                        help="one random stream for the grid (fast) or one per cell (each cell = its own Trainer run)")
    parser.add_argument("--config", help="a TrainConfig JSON file for the settings the axes do not set")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--seeds", help="train the diagram once per seed (e.g. 0-4 or 3,5,8), each seed a run of "
                                        "its own, and print the mean over seeds")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="with --seeds: seeds trained at once, in processes of their own")
    parser.add_argument("--log", metavar="FILE", help="append each seed's diagram to this JSON-lines file; "
                                                      "seeds it already holds are not trained again")
    sweeps.add_arguments(parser)
    add_config_flags(parser)


def _phase_table(result: dict) -> str:
    xs, ys = result["x"]["values"], result["y"]["values"]
    width = max(8, *(len(str(v)) + 1 for v in xs))
    over = f", mean over seeds {', '.join(map(str, result['seeds']))}" if "seeds" in result else ""
    lines = [f"modes covered of {result['num_modes']} ({result['data']}, step {result['step']}{over}); "
             f"rows: {result['y']['label']}, columns: {result['x']['label']}",
             " " * 10 + "".join(f"{v!s:>{width}}" for v in xs)]
    for yv, row in zip(ys, result["modes"]):
        cells = "".join(f"{'diverged' if v != v else f'{round(v, 1):g}':>{width}}" for v in row)
        lines.append(f"{yv!s:>10}{cells}")
    return "\n".join(lines)


def _run_phase(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.training.phase import PhaseDiagram, parse_axis

    x, xs = parse_axis(args.x)
    y, ys = parse_axis(args.y)
    if args.seeds or args.ray or args.log:
        return _phase_sweep(args, config_from_args(args), {"x": x, "xs": xs, "y": y, "ys": ys})
    diagram = PhaseDiagram(config_from_args(args), x, xs, y, ys, streams=args.streams)
    with tqdm(total=args.steps, unit="step", disable=args.quiet, file=sys.stderr,
              desc=f"{diagram.population.size} GANs") as bar:
        diagram.train(args.steps, bar.update)
    diagram.score()
    result = diagram.result()
    print(json.dumps(result) if args.json else _phase_table(result))
    return 0


def _phase_sweep(args: argparse.Namespace, config: TrainConfig, axes: dict) -> int:
    """The diagram on each of ``--seeds`` (default: the config's seed), one sweep run per seed;
    prints the mean over the seeds that finished, and exits 1 if a seed failed."""
    from ganviz.training.phase import grid_configs, over_seeds, train_diagram

    if args.seeds and "seed" in (axes["x"], axes["y"]):
        raise ValueError("--seeds: the seed is already an axis of this diagram")
    seeds = sweeps.parse_seeds(args.seeds) if args.seeds else [config.seed]
    grid_configs(config, axes["x"], axes["xs"], axes["y"], axes["ys"])  # a bad grid is refused before any run
    jobs = [{"config": config.replace(seed=seed).to_dict(), "axes": axes, "steps": args.steps,
             "streams": args.streams} for seed in seeds]
    sweep = sweeps.Sweep(train_diagram, jobs, ("config", "axes", "steps", "streams"),
                         label=lambda run: f"seed {run['config']['seed']}",
                         summary=lambda row: f"{row['result']['step']} steps, {row['result']['path']}",
                         needs=lambda job: sweeps.device_needs(job["config"]["device"]))
    outcome = sweeps.run_sweep(sweep, sweeps.executor(args.ray, args.workers), args.log)
    rows = sorted(outcome.rows, key=lambda row: row["seed"])
    result = over_seeds(rows) if rows else {}
    if args.json:
        per_seed = [{"seed": row["seed"], **row["result"]} for row in rows]
        print(json.dumps({**result, "per_seed": per_seed, "failed": outcome.failed}))
    elif rows:
        print(_phase_table(result))
    return 1 if outcome.failed else 0
