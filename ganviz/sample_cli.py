"""``python -m ganviz sample SOURCE --n 64 -o grid.png``: a grid of samples from any generator.

SOURCE is a shipped checkpoint name, a folder or a Hub repo id (``--revision`` for a branch, tag
or commit). Sample i uses seed ``--seed + i``, so any cell of the grid can be drawn again alone.
Conditional models draw class ``--class`` everywhere, or one class per column by default.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments every sampling command shares."""
    parser.add_argument("source", help="shipped checkpoint name (e.g. digits-dcgan), local folder or Hub repo id")
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit")
    parser.add_argument("--class", dest="label", type=int, default=None, help="class to draw (conditional models)")
    parser.add_argument("--scale", type=int, default=2, help="enlarge the PNG by this factor (nearest neighbour)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("-o", "--out", required=True, help="PNG file to write")


def load(args: argparse.Namespace):
    from ganviz.device import resolve_device
    from ganviz.hub import load_generator

    return load_generator(args.source, args.revision, device=resolve_device(args.device))


def write_png(array: np.ndarray, path: str, scale: int) -> Path:
    from ganviz.viz import enlarge, png_bytes

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png_bytes(enlarge(array, scale)))
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--n", type=int, default=64, help="number of samples")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first sample (sample i uses seed + i)")
    parser.add_argument("--nrow", type=int, default=None, help="images per row (default 8, or one column per class)")


def run(args: argparse.Namespace) -> int:
    from ganviz.latent import sample_latents
    from ganviz.viz import image_grid

    if args.n < 1:
        raise ValueError(f"n: must be >= 1, got {args.n}")
    generator = load(args)
    if not generator.is_image:
        raise ValueError(f"{args.source}: a 2-D toy generator; sample grids need an image generator")
    z = sample_latents(args.n, generator.latent_dim, args.seed)
    by_column = generator.conditional and args.label is None
    y = (np.arange(args.n) % generator.num_classes) if by_column else args.label
    images = generator.generate(z, y)
    nrow = args.nrow or (generator.num_classes if by_column else 8)
    out = write_png(image_grid(images, nrow=nrow), args.out, args.scale)
    print(f"wrote {out}: {args.n} samples of {generator.description} (seeds {args.seed}..{args.seed + args.n - 1})")
    return 0
