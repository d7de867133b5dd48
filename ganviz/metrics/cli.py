"""``python -m ganviz evaluate CHECKPOINT... --n 10000 [--json]``: measure generator checkpoints.

A CHECKPOINT is anything :func:`ganviz.hub.load_generator` opens: a shipped name
(``digits-dcgan``), a folder, or a Hub id. The real data is the checkpoint's own training data
unless ``--reference`` names another dataset (needed for huggan checkpoints, which do not say).
"""
from __future__ import annotations

import argparse
import json
import sys

from ganviz.config import DataConfig
from ganviz.data import DATASETS, is_toy
from ganviz.metrics.extractors import EXTRACTORS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT",
                        help="shipped checkpoint names (e.g. digits-dcgan), folders, or Hub ids (huggan DCGANs too)")
    parser.add_argument("--revision", default=None, help="branch, tag or commit for Hub ids")
    parser.add_argument("--n", type=int, default=10_000, help="generated samples per checkpoint (and real samples, "
                        "capped by the dataset's size)")
    parser.add_argument("--extractor", default="digit-classifier", choices=list(EXTRACTORS),
                        help="feature network: the shipped digit classifier (offline) or Inception-v3 (FID weights; "
                        "needs torch-fidelity)")
    parser.add_argument("--reference", default=None, choices=[n for n in DATASETS if not is_toy(n)],
                        help="real dataset to compare with (default: each checkpoint's training data)")
    parser.add_argument("--reference-root", default="", help="folder of the reference's files (mnist, folder)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--kid-subsets", type=int, default=100,
                        help="random subsets KID averages over (of 1,000 samples, or half of n when n <= 1,000)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--no-cache", action="store_true", help="recompute the real data's features")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--write-card", action="store_true",
                        help="append/replace a 'Measured quality' section in each checkpoint's README.md")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.device import resolve_device
    from ganviz.metrics.evaluation import evaluate, load_source, spread_notes, write_quality_section

    if args.kid_subsets < 1:
        raise ValueError(f"kid-subsets: must be >= 1, got {args.kid_subsets}")
    device = resolve_device(args.device)
    sources = [load_source(spec, device, args.revision) for spec in args.checkpoints]
    bar = tqdm(disable=args.quiet, file=sys.stderr, unit="img")
    stage = {"name": None}

    def progress(name: str, done: int, total: int) -> None:
        if name != stage["name"]:
            stage["name"] = name
            bar.reset(total)
            bar.set_description(name)
        bar.n = done
        bar.refresh()

    reference = DataConfig(name=args.reference, root=args.reference_root) if args.reference else None
    results = evaluate(sources, args.n, extractor=args.extractor, reference=reference, seed=args.seed,
                       batch_size=args.batch_size, device=device, progress=progress, use_cache=not args.no_cache,
                       kid_subsets=args.kid_subsets)
    bar.close()
    if args.write_card:
        for spec, result in zip(args.checkpoints, results):
            card = write_quality_section(_folder(spec), result)
            print(f"wrote {card}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
        return 0
    for r in results:
        print(f"\n{r.source}: {r.n:,} samples vs {r.reference['n']:,} real {r.reference['dataset']} images "
              f"({r.n / max(r.seconds, 1e-9):,.0f} img/s sampling + features)")
        for score in r.scores.values():
            std = f" ± {score['std']:.3g}" if "std" in score else ""
            print(f"  {score['name']:<62} {score['value']:>10.4g}{std}  ({score['better']} is better)")
        for note in spread_notes(r.scores):
            print(f"  {note}")
    return 0


def _folder(spec: str):
    from pathlib import Path

    from ganviz.hub import CHECKPOINTS

    for folder in (Path(spec), CHECKPOINTS / spec):
        if folder.is_dir():
            return folder
    raise ValueError(f"write-card: {spec} is not a local folder (a Hub checkpoint's card is not written)")
