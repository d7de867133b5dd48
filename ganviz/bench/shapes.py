"""Speed of the ``shapes`` dataset: rendered images per second at 32 and 64 px, against what a
DCGAN training step on the same machine consumes (one real batch per discriminator step), and the
shape factor network's feature throughput (what ``evaluate`` pays per image on shapes).

Each figure is the median and the best of several timed repeats of one batch: on a shared machine
the best is the cost of the work itself. ``threads`` is the torch intra-op thread count used.
"""
from __future__ import annotations

import statistics
import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("--shapes-batch", type=int, default=256, help="shapes: images rendered per batch")
    parser.add_argument("--shapes-repeats", type=int, default=10, help="shapes: timed repeats per measurement")
    parser.add_argument("--shapes-sizes", default="32,64", help="shapes: comma-separated image sides")
    parser.add_argument("--shapes-threads", type=int, default=0,
                        help="shapes: torch intra-op threads during the suite (0: leave as is)")


def _per_second(fn, n: int, repeats: int, sync) -> dict[str, float]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return {"median_img_per_s": float(f"{n / statistics.median(times):.3g}"),
            "best_img_per_s": float(f"{n / min(times):.3g}")}


def run(args) -> dict:
    import torch

    from ganviz.config import TrainConfig
    from ganviz.data.shapes import ShapesDataset
    from ganviz.device import resolve_device
    from ganviz.metrics.extractors import build_extractor
    from ganviz.training import Trainer

    threads = torch.get_num_threads()
    if args.shapes_threads:
        torch.set_num_threads(args.shapes_threads)
    device = resolve_device()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    n, repeats = args.shapes_batch, args.shapes_repeats
    try:
        report = {"threads": torch.get_num_threads(), "device": str(device), "batch": n, "render": {}}
        rng = torch.Generator(device).manual_seed(0)
        for size in (int(s) for s in args.shapes_sizes.split(",")):
            data = ShapesDataset(image_size=size)
            report["render"][f"{size}px"] = row = _per_second(lambda: data.sample(n, rng), n, repeats, sync)
            print(f"  render {size}px: {row}", file=sys.stderr)
        config = TrainConfig.from_dict({"data": {"name": "shapes", "image_size": 32},
                                        "model": {"arch": "dcgan"}, "batch_size": n})
        trainer = Trainer(config, device=device)
        report["dcgan_step_32px"] = row = _per_second(lambda: trainer.step(1), n, max(1, repeats // 2), sync)
        print(f"  DCGAN training step at 32px (real images consumed): {row}", file=sys.stderr)
        extractor = build_extractor("shape-factors", device)
        images = ShapesDataset(image_size=32).sample(n, rng)[0]
        with torch.no_grad():
            report["factor_features_32px"] = row = _per_second(lambda: extractor(images), n, repeats, sync)
        print(f"  shape factor network features at 32px: {row}", file=sys.stderr)
        return report
    finally:
        torch.set_num_threads(threads)
