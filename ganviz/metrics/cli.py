"""The metrics' commands.

- ``python -m ganviz evaluate CHECKPOINT... --n 10000 [--json]``: measure generator checkpoints.
  A CHECKPOINT is anything :func:`ganviz.hub.load_generator` opens: a shipped name
  (``digits-dcgan``), a folder, or a Hub id. The real data is the checkpoint's own training data
  unless ``--reference`` names another dataset (needed for huggan checkpoints, which do not say).
- ``python -m ganviz classifier {train,accuracy}``: the digit classifier the metrics use.
- ``python -m ganviz factors {train,accuracy}``: the shape factor network the metrics use on ``shapes``.
- ``python -m ganviz class-accuracy SOURCE``: how often a conditional generator draws the class
  it is asked for.
- ``python -m ganviz relative SOURCE...``: generators trained on different data on one scale
  (:mod:`ganviz.metrics.relative`), one JSON line each.
"""
from __future__ import annotations

import argparse
import json
import sys

from ganviz.config import DataConfig
from ganviz.data import DATASETS, is_toy
from ganviz.metrics.extractors import EXTRACTORS


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    if command == "classifier":
        _add_classifier_arguments(parser)
    elif command == "factors":
        _add_factors_arguments(parser)
    elif command == "class-accuracy":
        _add_class_accuracy_arguments(parser)
    elif command == "relative":
        _add_relative_arguments(parser)
    else:
        _add_evaluate_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return {"classifier": _run_classifier, "factors": _run_factors,
            "class-accuracy": _run_class_accuracy, "relative": _run_relative}.get(args.command, _evaluate)(args)


def _add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT",
                        help="shipped checkpoint names (e.g. digits-dcgan), folders, or Hub ids (huggan DCGANs too)")
    parser.add_argument("--revision", default=None, help="branch, tag or commit for Hub ids")
    parser.add_argument("--n", type=int, default=10_000, help="generated samples per checkpoint (and real samples, "
                        "capped by the dataset's size)")
    parser.add_argument("--extractor", default=None, choices=list(EXTRACTORS),
                        help="feature network: the shipped digit classifier (offline), the shipped shape factor "
                        "network (offline) or Inception-v3 (FID weights; needs torch-fidelity); default: the shipped "
                        "one made for the reference data (shape-factors for shapes, else digit-classifier)")
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


def _evaluate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.device import resolve_device
    from ganviz.metrics.evaluation import coverage_line, evaluate, load_source, spread_notes, write_quality_section

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
        if r.coverage is not None:
            print("  " + coverage_line(r.coverage))
    return 0


def _folder(spec: str):
    from ganviz.hub import local_folder

    folder = local_folder(spec)
    if folder is not None:
        return folder
    raise ValueError(f"write-card: {spec} is not a local folder (a Hub checkpoint's card is not written)")


# -- classifier {train,accuracy} -----------------------------------------------------------------
def _add_classifier_arguments(parser: argparse.ArgumentParser) -> None:
    from ganviz.metrics.classifier import SHIPPED

    parser.add_argument("action", choices=["train", "accuracy"],
                        help="train: fit and save a classifier; accuracy: measure one on the held-out split")
    parser.add_argument("--path", default=None, help=f"checkpoint to measure (default: {SHIPPED})")
    parser.add_argument("--out", default=str(SHIPPED), help="where `train` writes the checkpoint")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the 80/20 split")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _run_classifier(args: argparse.Namespace) -> int:
    from ganviz.metrics.classifier import (SHIPPED, accuracy, digit_split, load_digit_classifier, save_classifier,
                                           train_digit_classifier)

    if args.action == "accuracy":
        model = load_digit_classifier(args.path)
        split = digit_split(seed=args.seed)
        print(json.dumps({"checkpoint": str(args.path or SHIPPED), "split_seed": args.seed,
                          "n_heldout": len(split.test_images),
                          "heldout_accuracy": accuracy(model, split.test_images, split.test_labels)}))
        return 0
    from tqdm import tqdm

    bar = tqdm(total=args.epochs, unit="epoch", disable=args.quiet, file=sys.stderr)

    def progress(epoch, epochs, info):
        bar.update(1)
        bar.set_postfix(loss=f"{info['loss']:.3f}")

    model, report = train_digit_classifier(args.epochs, args.batch_size, args.lr, args.seed,
                                           device=args.device, progress=progress)
    bar.close()
    out = save_classifier(model, report, args.out)
    print(json.dumps({"checkpoint": str(out), **report}))
    return 0


# -- factors {train,accuracy} ---------------------------------------------------------------------
def _add_factors_arguments(parser: argparse.ArgumentParser) -> None:
    from ganviz.metrics.factors import HELDOUT_SEED, SHIPPED

    parser.add_argument("action", choices=["train", "accuracy"],
                        help="train: fit and save a factor network; accuracy: measure one on held-out renders")
    parser.add_argument("--path", default=None, help=f"checkpoint to measure (default: {SHIPPED})")
    parser.add_argument("--out", default=str(SHIPPED), help="where `train` writes the checkpoint")
    parser.add_argument("--steps", type=int, default=1500, help="training steps, each on a fresh batch of renders")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0, help=f"seed of the weights and of the training renders "
                        f"(not {HELDOUT_SEED}: the held-out renders')")
    parser.add_argument("--n", type=int, default=5000, help="`accuracy`: held-out renders to measure on")
    parser.add_argument("--data", default="{}", help="`accuracy`: the shapes data to render, as JSON DataConfig "
                        'fields (e.g. \'{"colours": ["red", "blue"], "image_size": 32}\'); default: its defaults')
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _run_factors(args: argparse.Namespace) -> int:
    from ganviz.config import parse_json
    from ganviz.data.shapes import ShapesDataset
    from ganviz.metrics.factors import SHIPPED, load_factor_net, measure, save_factor_net, train_factor_net

    if args.action == "accuracy":
        fields = parse_json(args.data, "data")
        if not isinstance(fields, dict):
            raise ValueError("data: expected a JSON object of DataConfig fields")
        data = DataConfig.from_dict({"image_size": 32, **fields, "name": "shapes"}, prefix="data.")
        report = measure(load_factor_net(args.path), ShapesDataset.from_config(data), n=args.n)
        print(json.dumps({"checkpoint": str(args.path or SHIPPED), **report}))
        return 0
    from tqdm import tqdm

    bar = tqdm(total=args.steps, unit="step", disable=args.quiet, file=sys.stderr)

    def progress(step, steps, info):
        bar.update(step - bar.n)
        bar.set_postfix(loss=f"{info['loss']:.3f}")

    model, report = train_factor_net(args.steps, args.batch_size, args.lr, args.seed, device=args.device,
                                     progress=progress)
    bar.close()
    out = save_factor_net(model, report, args.out)
    print(json.dumps({"checkpoint": str(out), **report}))
    return 0


# -- class-accuracy -------------------------------------------------------------------------------
def _add_class_accuracy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="conditional generator: shipped name, folder or Hub repo id")
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit")
    parser.add_argument("--per-class", type=int, default=100, help="samples drawn for each class")
    parser.add_argument("--seed", type=int, default=0)


def _run_class_accuracy(args: argparse.Namespace) -> int:
    from ganviz.hub import load_generator
    from ganviz.metrics.class_accuracy import class_accuracy

    result = class_accuracy(load_generator(args.source, args.revision), per_class=args.per_class, seed=args.seed)
    print(json.dumps({"source": args.source, "accuracy": round(result.accuracy, 4), "chance": result.chance,
                      "per_class": [round(a, 3) for a in result.per_class], "n": result.n, "seed": result.seed}))
    return 0


# -- relative -------------------------------------------------------------------------------------
def _add_relative_arguments(parser: argparse.ArgumentParser) -> None:
    from ganviz.metrics.relative import DEFAULT_N

    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="generator: shipped name, folder or Hub repo id")
    parser.add_argument("--n", type=int, default=DEFAULT_N,
                        help=f"samples per set; the data must hold two disjoint real sets (default {DEFAULT_N})")
    parser.add_argument("--seed", type=int, default=0)


def _run_relative(args: argparse.Namespace) -> int:
    from ganviz.metrics.evaluation import load_source
    from ganviz.metrics.relative import relative_quality

    if args.n < 2:
        raise ValueError(f"--n: must be >= 2, got {args.n}")
    for spec in args.sources:
        result = relative_quality(load_source(spec), n=args.n, seed=args.seed)
        print(json.dumps({"source": spec, "dataset": result.dataset, "n": result.n, "fd": round(result.fd, 2),
                          "fd_real": round(result.fd_real, 2), "fd_ratio": round(result.fd_ratio, 2),
                          "classes_held": result.modes["modes_held"], "classes": result.modes["num_modes"],
                          "high_quality": round(result.modes["high_quality"], 1)}), flush=True)
    return 0
