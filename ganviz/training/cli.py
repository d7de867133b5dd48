"""``python -m ganviz train`` and ``python -m ganviz phase``: headless training with a progress bar.

- ``train``: every config field is also a flag (``--lr_d 2e-4 --data.name grid25``); flags
  override ``--config``. Writes a Hub-format checkpoint and ``metrics.json`` to ``--out``.
- ``phase``: a phase diagram (:mod:`ganviz.training.phase`), e.g.
  ``python -m ganviz phase --x lr_d=1e-4:1e-2:5 --y n_critic=1,2,5 --steps 2000``; the config
  flags set what the axes do not.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ganviz.cli import step_count
from ganviz.config import TrainConfig, flatten, parse_json, unflatten


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    for name, (_, default, meta) in TrainConfig.field_specs().items():
        parser.add_argument(f"--{name}", dest=f"cfg:{name}", default=None, metavar="VALUE",
                            help=f"{meta.get('help') or name} (default: {default!r})")


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
    add_config_flags(parser)


def run(args: argparse.Namespace) -> int:
    return _run_phase(args) if args.command == "phase" else _train(args)


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.training import Trainer

    if args.chunk < 1:
        raise ValueError(f"chunk: must be >= 1, got {args.chunk}")
    config = config_from_args(args)
    Path(args.out).mkdir(parents=True, exist_ok=True)  # a folder that cannot be written fails before training
    trainer = Trainer(config)
    bar = tqdm(total=args.steps, unit="step", disable=args.quiet, file=sys.stderr)
    while trainer.step_count < args.steps:
        n = min(args.chunk, args.steps - trainer.step_count)
        trainer.step(n)
        last = trainer.history.last()
        bar.update(n)
        bar.set_postfix(d_loss=f"{last['d_loss']:.3f}", g_loss=f"{last['g_loss']:.3f}")
    bar.close()
    out = trainer.save(args.out)
    print(json.dumps({"checkpoint": str(out), "steps": trainer.step_count, **trainer.history.last()}))
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
    add_config_flags(parser)


def _phase_table(result: dict) -> str:
    xs, ys = result["x"]["values"], result["y"]["values"]
    width = max(8, *(len(str(v)) + 1 for v in xs))
    lines = [f"modes covered of {result['num_modes']} ({result['data']}, step {result['step']}); "
             f"rows: {result['y']['label']}, columns: {result['x']['label']}",
             " " * 10 + "".join(f"{v!s:>{width}}" for v in xs)]
    for yv, row in zip(ys, result["modes"]):
        cells = "".join(f"{'diverged' if v != v else int(v):>{width}}" for v in row)
        lines.append(f"{yv!s:>10}{cells}")
    return "\n".join(lines)


def _run_phase(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.training.phase import PhaseDiagram, parse_axis

    x, xs = parse_axis(args.x)
    y, ys = parse_axis(args.y)
    diagram = PhaseDiagram(config_from_args(args), x, xs, y, ys, streams=args.streams)
    population = diagram.population
    with tqdm(total=args.steps, unit="step", disable=args.quiet, file=sys.stderr,
              desc=f"{population.size} GANs") as bar:
        while population.step_count < args.steps:
            n = min(50, args.steps - population.step_count)
            population.step(n)
            bar.update(n)
    diagram.score()
    result = diagram.result()
    print(json.dumps(result) if args.json else _phase_table(result))
    return 0
