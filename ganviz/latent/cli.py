"""Pictures from any generator.

- ``python -m ganviz sample SOURCE --n 64 -o grid.png``: a grid of samples. SOURCE is a shipped
  checkpoint name, a folder or a Hub repo id (``--revision`` for a branch, tag or commit). Sample
  i uses seed ``--seed + i``, so any cell of the grid can be drawn again alone. Conditional models
  draw class ``--class`` everywhere, or one class per column by default.
- ``python -m ganviz interpolate SOURCE --seed-a 1 --seed-b 2 --steps 8 [--slerp] -o strip.png``:
  walks from the sample of seed A to the sample of seed B (the same samples ``ganviz sample``
  draws for those seeds) and writes the strip as a PNG, or as an animated GIF that goes there and
  back when ``-o`` ends in ``.gif``.
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
    from ganviz.latent.pictures import enlarge, png_bytes

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png_bytes(enlarge(array, scale)))
    return out


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    add_source_arguments(parser)
    if command == "interpolate":
        _add_interpolate_arguments(parser)
        return
    parser.add_argument("--n", type=int, default=64, help="number of samples")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first sample (sample i uses seed + i)")
    parser.add_argument("--nrow", type=int, default=None, help="images per row (default 8, or one column per class)")


def run(args: argparse.Namespace) -> int:
    return _interpolate(args) if args.command == "interpolate" else _sample(args)


def _sample(args: argparse.Namespace) -> int:
    from ganviz.latent.pictures import image_grid
    from ganviz.latent.walk import sample_latents

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


# -- interpolate ----------------------------------------------------------------------------------
def _add_interpolate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed-a", type=int, default=0, help="seed of the start sample")
    parser.add_argument("--seed-b", type=int, default=1, help="seed of the end sample")
    parser.add_argument("--steps", type=int, default=8, help="images in the strip, both ends included")
    parser.add_argument("--slerp", action="store_true", help="spherical interpolation (default: linear)")
    parser.add_argument("--frame-ms", type=int, default=120, help="GIF frame duration in milliseconds")


def _interpolate(args: argparse.Namespace) -> int:
    from ganviz.latent.pictures import enlarge, image_grid, to_uint8
    from ganviz.latent.walk import interpolate, seeded_latents

    generator = load(args)
    if not generator.is_image:
        raise ValueError(f"{args.source}: a 2-D toy generator; interpolation strips need an image generator")
    if generator.conditional and args.label is None:
        raise ValueError(f"{args.source}: a conditional generator; choose the class with --class "
                         f"0..{generator.num_classes - 1}")
    a, b = seeded_latents([args.seed_a, args.seed_b], generator.latent_dim)
    method = "slerp" if args.slerp else "linear"
    images = generator.generate(interpolate(a, b, args.steps, method), args.label)
    if args.out.lower().endswith(".gif"):
        from PIL import Image

        frames = [Image.fromarray(enlarge(f, args.scale).squeeze(-1)) for f in to_uint8(images)]
        frames += frames[-2:0:-1]
        frames[0].save(args.out, save_all=True, append_images=frames[1:], duration=args.frame_ms, loop=0)
        out = args.out
    else:
        out = write_png(image_grid(images, nrow=args.steps), args.out, args.scale)
    print(f"wrote {out}: {method} interpolation in {args.steps} steps from seed {args.seed_a} to seed {args.seed_b}")
    return 0
