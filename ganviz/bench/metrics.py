"""Throughput of the image metrics: what ``evaluate()`` does for n samples of ``digits-dcgan``.

Timed stage by stage: drawing n samples from the generator, the real reference's features (all
1,797 digits at most, cache off), the generated samples' features, then FD / IS / KID (100
subsets of 1,000) / precision-recall. ``img_per_s`` is n over sampling + features + scores, the
cost of measuring a generator once the real side is cached. Two networks: the shipped digit classifier, and the
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


def _rate(per_second: float) -> float:
    return float(f"{per_second:.3g}")  # 3 significant digits: 452,961 and 1.13 img/s both read right


def _timed(fn, device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def run(args) -> dict:
    import torch

    from ganviz.device import resolve_device
    from ganviz.metrics.evaluation import load_source
    from ganviz.metrics.reference import reference_embedding
    from ganviz.metrics.scores import compare, embed

    device = resolve_device()
    source = load_source(args.metrics_checkpoint, device)
    batch = args.metrics_batch
    report = {"checkpoint": args.metrics_checkpoint, "batch_size": batch, "runs": {}}

    def draw(n: int) -> list:
        rng = torch.Generator(device).manual_seed(1)
        return [source.draw(min(batch, n - i), rng) for i in range(0, n, batch)]

    samples, sample_s = _timed(lambda: draw(args.metrics_n), device)
    report["generator_img_per_s"] = _rate(args.metrics_n / sample_s)
    print(f"  sampling {args.metrics_n} from {args.metrics_checkpoint}: {sample_s:.2f} s", file=sys.stderr)
    for key in args.metrics_extractors.split(","):
        extractor = _extractor(key, device)
        n = args.metrics_n
        if key.startswith("inception") and device.type == "cpu":
            n = min(n, args.metrics_cpu_inception_n)
        images = torch.cat(samples)[:n]
        warm = embed([images[:64]], extractor, 64)  # warm-up: kernels, allocator, torchmetrics import, cuSOLVER
        compare(warm, warm, extractor.names, kid_subsets=2, device=device)
        (real, info), real_s = _timed(lambda: reference_embedding(source.data, extractor, n, batch_size=batch,
                                                                  use_cache=False), device)
        fake, embed_s = _timed(lambda: embed(images.split(batch), extractor, n), device)
        scores, score_s = _timed(lambda: compare(real, fake, extractor.names, device=device), device)
        generate_s = sample_s * n / args.metrics_n
        total = generate_s + embed_s + score_s
        row = {"n": n, "real_n": info["n"], "features_img_per_s": _rate(n / embed_s),
               "seconds": {"real_features": round(real_s, 2), "sampling": round(generate_s, 2),
                           "features": round(embed_s, 2), "scores": round(score_s, 2)},
               "generated_fd_is_kid_pr_s": round(total, 2), "img_per_s": _rate(n / total),
               "fd": round(scores["fd"]["value"], 3), "fd_name": scores["fd"]["name"]}
        if n != args.metrics_n:  # features scale with n; the scores hardly do (the real side is fixed)
            row[f"extrapolated_{args.metrics_n}_s"] = round((generate_s + embed_s) / n * args.metrics_n + score_s, 1)
        report["runs"][key] = row
        print(f"  {key}: {row}", file=sys.stderr)
    return report
