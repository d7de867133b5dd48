"""Speed of the landscape page's computations: the Dirac-GAN surface with its vector field on a
200x200 grid (goal: well under a second on CPU), a 300-step trajectory, and a 21x21
filter-normalised slice of the default toy MLP discriminator."""
from __future__ import annotations

import statistics
import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("--landscape-resolution", type=int, default=200, help="landscape: grid points per axis")
    parser.add_argument("--landscape-repeats", type=int, default=7, help="landscape: timed repeats (median reported)")
    parser.add_argument("--landscape-slice-resolution", type=int, default=21, help="landscape: slice grid side")


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up: first-call allocations and dispatch caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def run(args) -> dict:
    import torch

    from ganviz.config import TrainConfig
    from ganviz.landscape.dirac import DiracConfig, landscape, trajectory
    from ganviz.landscape.network import loss_slice, snapshot
    from ganviz.losses import LOSSES
    from ganviz.training import Trainer

    res, repeats = args.landscape_resolution, args.landscape_repeats
    report = {"threads": torch.get_num_threads(), "resolution": res, "surface_and_field_ms": {}}
    for loss in LOSSES:
        for label, extra in (("", {}), ("+r1", {"r1_weight": 1.0})):
            config = DiracConfig(loss=loss, **extra)
            ms = _median_ms(lambda: landscape(config, 2.0, res), repeats)
            report["surface_and_field_ms"][loss + label] = ms
            print(f"  {res}x{res} surface + field, {loss + label}: {ms} ms", file=sys.stderr)
    config = DiracConfig(loss="ns", r1_weight=1.0, steps=300)
    report["trajectory_300_steps_ms"] = _median_ms(lambda: trajectory(config), max(1, repeats // 2))
    print(f"  300-step trajectory: {report['trajectory_300_steps_ms']} ms", file=sys.stderr)

    trainer = Trainer(TrainConfig(device="cpu"))
    problem = snapshot(trainer, "discriminator", 256)
    side = args.landscape_slice_resolution
    ms = _median_ms(lambda: loss_slice(problem, side), max(1, repeats // 3))
    report[f"mlp_d_slice_{side}x{side}_ms"] = ms
    print(f"  {side}x{side} slice of the default MLP discriminator, batch 256: {ms} ms", file=sys.stderr)
    return report
