"""``python -m ganviz landscape {dirac,divergence,slice}``: the landscape page's numbers, headless.

- ``dirac``: a Dirac-GAN trajectory summary and its verdict with the number behind it (every
  :class:`DiracConfig` field is a flag); ``--gif PATH`` / ``--mp4 PATH`` animate the trajectory
  over the value surface.
- ``divergence``: D*, V(D*, G) beside 2·JSD - log 4, and JSD vs W1 as the fake density slides.
- ``slice``: a filter-normalised loss slice of a checkpoint, or of a small GAN trained here.

``--json FILE`` writes every array (surface, field, trajectory, ...) for plotting elsewhere.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from functools import partial
from pathlib import Path

import numpy as np


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    from ganviz.animation.cli import add_export_flags
    from ganviz.cli import step_count
    from ganviz.landscape.dirac import DiracConfig
    from ganviz.landscape.divergences import KINDS
    from ganviz.landscape.network import PLAYERS
    from ganviz.training.cli import add_config_flags

    sub = parser.add_subparsers(dest="what", required=True, metavar="{dirac,divergence,slice}")
    dirac = sub.add_parser("dirac", help="Dirac-GAN surface, vector field and GDA trajectory")
    for name, (_, default, meta) in DiracConfig.field_specs().items():
        dirac.add_argument(f"--{name}", dest=f"cfg:{name}", default=None, metavar="VALUE",
                           help=f"{meta.get('help') or name} (default: {default!r})")
    dirac.add_argument("--extent", type=float, default=2.0, help="the grid spans [-extent, extent]^2")
    dirac.add_argument("--resolution", type=int, default=200, help="grid points per axis")
    dirac.add_argument("--every", type=int, default=0, help="print the trajectory every N steps (0: about 10 rows)")
    add_export_flags(dirac, "the trajectory over the value surface")

    div = sub.add_parser("divergence", help="optimal discriminator and JSD vs Wasserstein in 1D",
                         description=f"Densities are KIND:LOC,SCALE with KIND one of: "
                                     + "; ".join(f"{k} ({v})" for k, v in KINDS.items()))
    div.add_argument("--real", default="gaussian:0,1", help="p_data as KIND:LOC,SCALE")
    div.add_argument("--fake", default="gaussian:2,1", help="p_g as KIND:LOC,SCALE")
    div.add_argument("--max-shift", type=float, default=3.0, help="slide p_data over [-s, s] for JSD vs W1")
    div.add_argument("--points", type=int, default=4001, help="grid points")

    sl = sub.add_parser("slice", help="filter-normalised loss slice of a live GAN (Li et al. 2018)")
    sl.add_argument("--checkpoint", help="a folder or Hub repo written by `python -m ganviz train` "
                                         "(default: train a fresh GAN from the config flags)")
    sl.add_argument("--config", help="a TrainConfig JSON file for the fresh GAN")
    sl.add_argument("--steps", type=partial(step_count, minimum=0), default=200,
                    help="training steps of the fresh GAN")
    sl.add_argument("--player", choices=PLAYERS, default="discriminator")
    sl.add_argument("--resolution", type=int, default=21)
    sl.add_argument("--span", type=float, default=1.0, help="alpha, beta in [-span, span]")
    sl.add_argument("--eval-batch", type=int, default=256, help="size of the fixed batch the loss is measured on")
    sl.add_argument("--slice-seed", type=int, default=0, help="seed of the two directions and of that batch")
    add_config_flags(sl)

    for p in (dirac, div, sl):
        p.add_argument("--json", help="write every array to this file")


def _jsonable(value):
    if dataclasses.is_dataclass(value):  # the trajectory's Verdict
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _write(path: str | None, report: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(_jsonable(report)))
        print(f"arrays written to {path}")


def _dirac(args) -> int:
    from ganviz.animation.cli import export_targets, frame_every, write_exports
    from ganviz.animation.frames import dirac_recorder
    from ganviz.landscape.dirac import DiracConfig, landscape, trajectory

    flat = {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg:") and v is not None}
    config = DiracConfig.from_dict(flat)
    targets = export_targets(args)
    game, path = config.game, trajectory(config)
    surface = landscape(config, args.extent, args.resolution)
    regs = [f"{name} {w:g}" for name, w in (("GP", game.gp_weight), ("R1", game.r1_weight),
                                            ("clip", game.weight_clip), ("instance noise σ", game.noise_std))
            if w] or ["none"]
    print(f"Dirac-GAN, loss {config.loss}, {config.mode} GDA, lr_d {config.lr_d:g}, lr_g {config.lr_g:g}, "
          f"momentum {config.momentum:g}, regulariser {', '.join(regs)}")
    every = args.every or max(1, len(path["step"]) // 10)
    print(f"{'step':>7} {'psi':>10} {'theta':>10} {'distance':>10} {'d_loss':>9} {'g_loss':>9}")
    for i in list(range(0, len(path["step"]), every)) + ([len(path["step"]) - 1] if (len(path["step"]) - 1) % every else []):
        print(f"{path['step'][i]:>7} {path['psi'][i]:>10.4f} {path['theta'][i]:>10.4f} {path['distance'][i]:>10.4f} "
              f"{path['d_loss'][i]:>9.4f} {path['g_loss'][i]:>9.4f}")
    d = path["distance"]
    print(f"verdict: {path['verdict'].describe()}")
    print(f"distance to the equilibrium (0, 0): start {d[0]:.4g}, end {d[-1]:.4g}, min {np.nanmin(d):.4g}")
    _write(args.json, {"config": config.to_dict(), "surface": surface, "trajectory": path})
    frames = dirac_recorder(surface, path, "value", f"Dirac-GAN, {config.loss}, {config.mode}",
                            every=frame_every(args, config.steps))
    for fmt, written in write_exports(frames, targets, args.fps).items():
        print(f"{fmt.upper()} written to {written}")
    return 0


def _divergence(args) -> int:
    from ganviz.landscape.divergences import Density1D, divergence_vs_shift, optimal_discriminator_report

    real, fake = Density1D.parse(args.real), Density1D.parse(args.fake)
    if not args.max_shift > 0:
        raise ValueError(f"max-shift: must be > 0, got {args.max_shift}")
    report = optimal_discriminator_report(real, fake, args.points)
    shifts = divergence_vs_shift(real, np.linspace(-args.max_shift, args.max_shift, 25), args.points)
    print(f"p_data = {args.real}, p_g = {args.fake}")
    print(f"V(D*, G)         = {report['value_d_star']: .6f}")
    print(f"2 JSD - log 4    = {report['two_jsd_minus_log4']: .6f}  (JSD = {report['jsd']:.6f}, log 2 = {math.log(2):.6f})")
    print(f"V(D = 1/2, G)    = {report['value_half']: .6f}  (= -log 4: a D that cannot tell)")
    print(f"KL(p_data||p_g)  = {report['kl_data_g']: .6f},  KL(p_g||p_data) = {report['kl_g_data']:.6f}")
    print(f"W1(p_data, p_g)  = {report['wasserstein']: .6f}")
    print(f"\np_g = p_data shifted by s:\n{'s':>8} {'JSD':>9} {'dJSD/ds':>9} {'W1':>9} {'dW1/ds':>9}")
    for row in zip(*(shifts[k] for k in ("shift", "jsd", "jsd_slope", "wasserstein", "wasserstein_slope"))):
        print(" ".join(f"{v:>9.4f}" if i else f"{v:>8.3f}" for i, v in enumerate(row)))
    _write(args.json, {"optimal_discriminator": report, "shift": shifts})
    return 0


def _slice(args) -> int:
    from tqdm import tqdm

    from ganviz.landscape.network import loss_slice, snapshot
    from ganviz.training import Trainer
    from ganviz.training.cli import config_from_args

    if args.checkpoint:
        trainer = Trainer.from_checkpoint(args.checkpoint)
    else:
        trainer = Trainer(config_from_args(args))
        if args.steps:
            trainer.step(args.steps)
    problem = snapshot(trainer, args.player, args.eval_batch, args.slice_seed)
    with tqdm(total=100, unit="%", file=sys.stderr, desc="slice") as bar:
        result = loss_slice(problem, args.resolution, args.span, args.slice_seed,
                            progress=lambda f: bar.update(round(100 * f) - bar.n))
    surface = result["loss"]
    print(f"{args.player} loss ({result['loss_name']}) at step {result['step']} on a fixed batch of {args.eval_batch}")
    print(f"centre (current weights): {result['center_loss']:.6f}")
    print(f"over the {args.resolution}x{args.resolution} plane, span ±{args.span:g}: "
          f"min {surface.min():.6f}, max {surface.max():.6f}")
    _write(args.json, result)
    return 0


def run(args: argparse.Namespace) -> int:
    return {"dirac": _dirac, "divergence": _divergence, "slice": _slice}[args.what](args)
