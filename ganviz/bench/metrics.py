"""Throughput of the image metrics: ``evaluate()`` on the shipped ``digits-dcgan`` end to end.

For each feature network: the real reference (all 1,797 digits, cache off), drawing n samples
and embedding them, then FD / IS / KID (100 subsets of 1,000) / precision-recall. Reported as
seconds per stage and images per second. Two networks: the shipped digit classifier, and the
Inception-v3 *architecture* with random weights (torchvision; its FID weights cannot be fetched
here), which costs exactly what the real FID network costs. On a CPU Inception-v3 takes ~0.1 s
per image, so by default it measures a smaller n there and extrapolates (``extrapolated_<n>_s``).
"""
from __future__ import annotations

import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("--metrics-n", type=int, default=10_000, help="metrics: generated samples per run")
    parser.add_argument("--metrics-cpu-inception-n", type=int, default=256,
                        help="metrics: samples for Inception-v3 on a CPU (10,000 would take ~20 min)")
    parser.add_argument("--metrics-batch", type=int, default=500, help="metrics: batch size")
    parser.add_argument("--metrics-extractors", default="digit-classifier,inception-v3-random",
                        help="metrics: comma-separated feature networks to time")
    parser.add_argument("--metrics-checkpoint", default="digits-dcgan", help="metrics: generator to sample")


def _extractor(key: str, device):
    from ganviz.metrics.extractors import RandomInception, build_extractor

    if key == "inception-v3-random":
        return RandomInception().to(device).eval().requires_grad_(False)
    return build_extractor(key, device)


def run(args) -> dict:
    import torch

    from ganviz.device import resolve_device
    from ganviz.metrics.evaluation import evaluate, load_source

    device = resolve_device()
    source = load_source(args.metrics_checkpoint, device)
    report = {"checkpoint": args.metrics_checkpoint, "batch_size": args.metrics_batch, "runs": {}}
    for key in args.metrics_extractors.split(","):
        extractor = _extractor(key, device)
        n = args.metrics_n
        if key.startswith("inception") and device.type == "cpu":
            n = min(n, args.metrics_cpu_inception_n)
        evaluate([source], 2 * args.metrics_batch, extractor=extractor, batch_size=args.metrics_batch,
                 device=device, use_cache=False, kid_subsets=2)  # warm-up: kernels, allocator, imports
        marks: list[tuple[str, float]] = []

        def progress(stage: str, done: int, total: int) -> None:
            if not marks or marks[-1][0] != stage:
                marks.append((stage, time.perf_counter()))

        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        [result] = evaluate([source], n, extractor=extractor, batch_size=args.metrics_batch, device=device,
                            use_cache=False, progress=progress)
        end = time.perf_counter()
        bounds = [t for _, t in marks] + [end]
        stages = {name.split(" ")[0]: round(bounds[i + 1] - bounds[i], 2) for i, (name, _) in enumerate(marks)}
        sampled = stages.get("sampling", 0.0)
        row = {"n": n, "real_n": result.reference["n"], "stages_s": stages, "total_s": round(end - start, 2),
               "sample_and_embed_img_per_s": round(n / max(sampled, 1e-9)),
               "end_to_end_img_per_s": round(n / (end - start)),
               "fd": round(result.scores["fd"]["value"], 3), "fd_name": result.scores["fd"]["name"]}
        if n != args.metrics_n:  # the sampling stage scales with n; the rest hardly does (the real side is fixed)
            row[f"extrapolated_{args.metrics_n}_s"] = round(end - start - sampled + sampled / n * args.metrics_n, 1)
        report["runs"][key] = row
        print(f"  {key}: {row}", file=sys.stderr)
    return report
