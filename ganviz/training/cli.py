"""``python -m ganviz train``: headless training with a progress bar.

Every config field is also a flag (``--lr_d 2e-4 --data.name grid25``); flags override
``--config``. Writes a Hub-format checkpoint and ``metrics.json`` to ``--out``.
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
            name = key[4:]
            flat[name] = parse_json(value, name) if name == "data.means" else value
    return TrainConfig.from_dict(unflatten(flat))


def _config_file(path: str):
    """The TrainConfig a ``--config`` file holds; a checkpoint's config.json replays its run."""
    base = parse_json(Path(path).read_bytes(), f"config {path}")
    return base["train"] if isinstance(base, dict) and "train" in base and "shape" in base else base


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="a TrainConfig JSON file, or a checkpoint's config.json")
    parser.add_argument("--steps", type=step_count, default=2000, help="number of D+G updates")
    parser.add_argument("--chunk", type=int, default=50, help="updates between progress refreshes")
    parser.add_argument("--out", default="runs/latest", help="folder for the checkpoint and metrics.json")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_config_flags(parser)


def run(args: argparse.Namespace) -> int:
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
