"""``python -m ganviz train``: headless training with a progress bar.

Every config field is also a flag (``--lr_d 2e-4 --data.name grid25``); flags override
``--config``. Writes a Hub-format checkpoint and ``metrics.json`` to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ganviz.config import TrainConfig, flatten, unflatten


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    for name, (_, default, meta) in TrainConfig.field_specs().items():
        parser.add_argument(f"--{name}", dest=f"cfg:{name}", default=None, metavar="VALUE",
                            help=f"{meta.get('help') or name} (default: {default!r})")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    base = json.loads(Path(args.config).read_text()) if getattr(args, "config", None) else {}
    if "train" in base and "shape" in base:  # a checkpoint's config.json replays its run
        base = base["train"]
    flat = flatten(TrainConfig.from_dict(base).to_dict())
    for key, value in vars(args).items():
        if key.startswith("cfg:") and value is not None:
            name = key[4:]
            flat[name] = json.loads(value) if name == "data.means" else value
    return TrainConfig.from_dict(unflatten(flat))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="a TrainConfig JSON file, or a checkpoint's config.json")
    parser.add_argument("--steps", type=int, default=2000, help="number of D+G updates")
    parser.add_argument("--chunk", type=int, default=50, help="updates between progress refreshes")
    parser.add_argument("--out", default="runs/latest", help="folder for the checkpoint and metrics.json")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_config_flags(parser)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.training import Trainer

    if args.steps < 1 or args.chunk < 1:
        raise ValueError("steps, chunk: must be >= 1")
    config = config_from_args(args)
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
