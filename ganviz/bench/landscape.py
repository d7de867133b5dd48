"""Speed of the landscape page's computations: the Dirac-GAN surface with its vector field on a
200x200 grid (goal: well under a second on CPU), a 300-step trajectory, and a 21x21
filter-normalised slice of the default toy MLP discriminator. Each figure is the median and the
best of several repeats: on a shared machine the best is the cost of the work itself."""
from __future__ import annotations

import statistics
import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("--landscape-resolution", type=int, default=200, help="landscape: grid points per axis")
    parser.add_argument("--landscape-repeats", type=int, default=7, help="landscape: timed repeats")
    parser.add_argument("--landscape-slice-resolution", type=int, default=21, help="landscape: slice grid side")
    parser.add_argument("--landscape-threads", type=int, default=0,
                        help="landscape: torch intra-op threads during the suite (0: leave as is)")


def _timed(fn, repeats: int) -> dict[str, float]:
    fn()  # warm-up: first-call allocations and dispatch caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return {"median_ms": round(statistics.median(times), 2), "best_ms": round(min(times), 2)}


def run(args) -> dict:
    import torch

    from ganviz.config import TrainConfig
    from ganviz.landscape.dirac import DiracConfig, landscape, trajectory
    from ganviz.landscape.network import loss_slice, snapshot
    from ganviz.training import Trainer
    from ganviz.training.losses import LOSSES

    threads = torch.get_num_threads()
    if args.landscape_threads:
        torch.set_num_threads(args.landscape_threads)
    try:
        res, repeats = args.landscape_resolution, args.landscape_repeats
        report = {"threads": torch.get_num_threads(), "resolution": res, "surface_and_field": {}}
        for loss in LOSSES:
            for label, extra in (("", {}), ("+r1", {"r1_weight": 1.0})):
                config = DiracConfig(loss=loss, **extra)
                timing = _timed(lambda: landscape(config, 2.0, res), repeats)
                report["surface_and_field"][loss + label] = timing
                print(f"  {res}x{res} surface + field, {loss + label}: {timing}", file=sys.stderr)
        config = DiracConfig(loss="ns", r1_weight=1.0, steps=300)
        report["trajectory_300_steps"] = _timed(lambda: trajectory(config), max(1, repeats // 2))
        print(f"  300-step trajectory: {report['trajectory_300_steps']}", file=sys.stderr)

        problem = snapshot(Trainer(TrainConfig(device="cpu")), "discriminator", 256)
        side = args.landscape_slice_resolution
        report[f"mlp_d_slice_{side}x{side}"] = timing = _timed(lambda: loss_slice(problem, side),
                                                               max(1, repeats // 3))
        print(f"  {side}x{side} slice of the default MLP discriminator, batch 256: {timing}", file=sys.stderr)
        return report
    finally:
        torch.set_num_threads(threads)
