"""``python -m ganviz toy``: train on a 2D Gaussian mixture (or on ``shapes`` images) and report how
many modes it covers.

    python -m ganviz toy --dataset ring8 --loss ns --remedy unrolled --steps 5000 --seed 0 --json
    python -m ganviz toy --dataset shapes --remedy pacgan --steps 1000 --eval-every 50

Starts from the collapse setup of :mod:`ganviz.collapse.experiment` (the one the benchmark uses); every
config field is also a flag (``--lr_d 2e-4``, ``--pack 4``, ``--data.means '[[0,0],[2,2]]'``).
``--eval-every N`` adds the metrics over time; ``--gif PATH`` / ``--mp4 PATH`` write the plane
(samples over D's verdict), or on ``shapes`` the grid of the fixed latent batch, as it trains.
"""
from __future__ import annotations

import argparse
import json
import sys

from ganviz.animation.cli import add_export_flags, export_targets, frame_every, write_exports
from ganviz.cli import step_count
from ganviz.collapse.coverage import EVAL_SAMPLES, STRICT_SHARE
from ganviz.collapse.experiment import DATASETS, preset
from ganviz.config import TrainConfig
from ganviz.training.cli import add_config_flags


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--dataset", default="ring8", choices=list(DATASETS),
                        help="mixture: ring8, grid25, or custom (give --data.means); or shapes, images whose "
                             "modes (shape x colour) the shape factor network reads")
    parser.add_argument("--steps", type=step_count, default=None,
                        help="number of D+G updates (default: the benchmark's, 5000 on the ring, 10000 on the grid, "
                             "2000 on shapes)")
    parser.add_argument("--eval-every", type=int, default=0, metavar="N",
                        help="also record the metrics every N steps (0: only at the end)")
    parser.add_argument("--eval-samples", type=int, default=EVAL_SAMPLES, metavar="N",
                        help="generated samples the metrics are computed on")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--save", metavar="FOLDER", help="also write a checkpoint here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_export_flags(parser, "the plane (real and generated samples over D's verdict) or the shapes grid as it trains")
    add_config_flags(parser)


def config_from_args(args: argparse.Namespace):
    changes = {}
    for key, value in vars(args).items():
        if key.startswith("cfg:") and value is not None:
            changes[key[4:]] = TrainConfig.parse_field(key[4:], value)
    remedy, seed = changes.pop("remedy", "none"), changes.pop("seed", 0)
    return preset(args.dataset, remedy, seed, **changes)


def describe(result: dict) -> str:
    m, cfg = result["final"], result["config"]
    bars = " ".join(f"{share:.0%}" if covered else "·"
                    for share, covered in zip(m["mass"], m["covered"]))
    return (f"{cfg['data']['name']} · loss {cfg['loss']} · remedy {cfg['remedy']} · seed {cfg['seed']} · "
            f"{result['steps']} steps in {result['seconds']:.1f}s on {result['device']}\n"
            f"  modes covered: {m['modes']}/{m['num_modes']} (>= 1 high-quality sample; "
            f"{m['modes_strict']} with >= {STRICT_SHARE:.0%} of samples)\n"
            f"  high quality: {m['high_quality']:.1f}%   reverse KL: {m['reverse_kl']:.3f} nats"
            + (f"   grid KL: {m['kl']:.3f} bits   grid JS: {m['js']:.3f} bits" if "kl" in m else "") + "\n"
            f"  mass per mode (· = not covered): {bars}")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.animation.frames import mixture_frame, recorder, samples_frame
    from ganviz.collapse.experiment import STEPS, train

    if args.steps is None:
        args.steps = STEPS[args.dataset]
    if args.eval_every < 0 or args.eval_samples < 1:
        raise ValueError("eval-samples: must be >= 1; eval-every: must be >= 0")
    config = config_from_args(args)
    targets = export_targets(args)
    every = frame_every(args, args.steps)
    frames = recorder(every=every)
    label = f"{config.data.name} · {config.loss} · remedy {config.remedy} · seed {config.seed}"
    bar = tqdm(total=args.steps, unit="step", disable=args.quiet, file=sys.stderr)

    def progress(step: int, report: dict | None) -> None:
        bar.update(step - bar.n)
        if report is not None:
            bar.set_postfix(modes=f"{report['modes']}/{report['num_modes']}", hq=f"{report['high_quality']:.0f}%")

    watch = (lambda t: frames.offer(t.step_count, samples_frame(t) if t.is_image else mixture_frame(t, label))
             ) if targets else None
    result = train(config, args.steps, eval_every=args.eval_every, eval_samples=args.eval_samples,
                   progress=progress, watch=watch, watch_every=every if targets else 0)
    bar.close()
    trainer = result.pop("trainer")
    if args.save:
        result["checkpoint"] = str(trainer.save(args.save))
    result.update(write_exports(frames, targets, args.fps))
    if args.json:
        print(json.dumps({"metrics": result["final"], **{k: v for k, v in result.items() if k != "final"}}))
    else:
        print(describe(result))
        for fmt in targets:
            print(f"{fmt.upper()} written to {result[fmt]}")
    return 0
