"""Pictures from any generator.

- ``python -m ganviz sample SOURCE --n 64 -o grid.png``: a grid of samples. SOURCE is a shipped
  checkpoint name, a folder or a Hub repo id (``--revision`` for a branch, tag or commit). Sample
  i uses seed ``--seed + i``, so any cell of the grid can be drawn again alone. Conditional models
  draw class ``--class`` everywhere, or one class per column by default.
- ``python -m ganviz interpolate SOURCE --seed-a 1 --seed-b 2 --steps 8 [--slerp] -o strip.png``:
  walks from the sample of seed A to the sample of seed B (the same samples ``ganviz sample``
  draws for those seeds) and writes the strip as a PNG, or as an animated GIF that goes there and
  back when ``-o`` ends in ``.gif``.
- ``python -m ganviz directions SOURCE --k 8 [--factors] [--json]``: the GANSpace principal
  directions and the share of feature variance each holds; ``--factors`` names what each moves on a
  generator of ``shapes`` images (``ganviz.latent.naming.factor_profile``).
- ``python -m ganviz fit-direction SOURCE --factor x [-o ladder.png] [--json]``: the latent direction
  that moves one factor (x, y, scale, a shape or a colour), InterFaceGAN-style, with how well it
  fits; ``-o`` draws a few samples moved along it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def add_generator_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments every command on a generator shares."""
    parser.add_argument("source", help="shipped checkpoint name (e.g. digits-dcgan), local folder or Hub repo id")
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit")
    parser.add_argument("--class", dest="label", type=int, default=None, help="class to draw (conditional models)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")


def add_picture_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--scale", type=int, default=2, help="enlarge the PNG by this factor (nearest neighbour)")
    parser.add_argument("-o", "--out", required=required, default=None, help="PNG file to write")


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


def load_image_generator(args: argparse.Namespace, what: str, *, needs_class: bool = False):
    """The generator ``args`` names, refused with a message when it draws no images or when a
    conditional one is not told which class to draw and ``what`` needs one."""
    generator = load(args)
    if not generator.is_image:
        raise ValueError(f"{args.source}: a 2-D toy generator; {what} need an image generator")
    if needs_class and generator.conditional and args.label is None:
        raise ValueError(f"{args.source}: a conditional generator; choose the class with --class "
                         f"0..{generator.num_classes - 1}")
    return generator


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    add_generator_arguments(parser)
    if command in NAMING:
        NAMING[command][0](parser)
        return
    add_picture_arguments(parser)
    if command == "interpolate":
        _add_interpolate_arguments(parser)
        return
    parser.add_argument("--n", type=int, default=64, help="number of samples")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first sample (sample i uses seed + i)")
    parser.add_argument("--nrow", type=int, default=None, help="images per row (default 8, or one column per class)")


def run(args: argparse.Namespace) -> int:
    if args.command in NAMING:
        return NAMING[args.command][1](args)
    return _interpolate(args) if args.command == "interpolate" else _sample(args)


def _sample(args: argparse.Namespace) -> int:
    from ganviz.latent.pictures import image_grid
    from ganviz.latent.walk import sample_latents

    if args.n < 1:
        raise ValueError(f"n: must be >= 1, got {args.n}")
    generator = load_image_generator(args, "sample grids")
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

    generator = load_image_generator(args, "interpolation strips", needs_class=True)
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


# -- directions and what they move -----------------------------------------------------------------
def _add_directions_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=8, help="principal directions to find")
    parser.add_argument("--n", type=int, default=2000, help="latents whose early features the PCA analyses")
    parser.add_argument("--seed", type=int, default=0, help="seed of the PCA's latents and of the first path")
    parser.add_argument("--factors", action="store_true",
                        help="name what each direction moves (shapes generators: read by the shape factor network)")
    parser.add_argument("--paths", type=int, default=32, help="seeded latents moved along each direction (--factors)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _directions(args: argparse.Namespace) -> int:
    import json

    from ganviz.latent.naming import PROFILE_FACTORS, factor_profile
    from ganviz.latent.walk import pca_directions

    generator = load_image_generator(args, "principal directions", needs_class=args.factors)
    directions = pca_directions(generator, k=args.k, n=args.n, seed=args.seed)
    profile = (factor_profile(generator, _factor_net(generator), directions.vectors, paths=args.paths,
                              seed=args.seed, y=args.label) if args.factors else None)
    if args.json:
        rows = [{"explained": round(float(e), 5)} for e in directions.explained]
        for row, named in zip(rows, profile.to_dict() if profile else [{}] * len(rows)):
            row.update(named)
        print(json.dumps({"source": args.source, "layer": directions.layer, "directions": rows}, indent=2))
        return 0
    print(f"{args.source}: {args.k} principal directions of the {directions.layer!r} activations ({args.n:,} latents)")
    if profile:
        print("r: correlation of the amount moved (-3..+3) with each factor over all images; shape, colour: the share "
              "of images turned into the class that gains most")
        print(f"{'':6}{'variance':>9}  " + "".join(f"{f:>9}" for f in PROFILE_FACTORS))
    for i, share in enumerate(directions.explained):
        row = f"PC{i + 1:<4}{share:>9.1%}"
        if profile:
            row += "  " + "".join(f"{r:>+9.2f}" for r in profile.correlations[i]) + "   " + profile.phrase(i)
        print(row)
    return 0


def _factor_net(generator):
    """The shipped shape factor network, for a generator of RGB images, with a note on stderr when
    ``generator`` was not trained on ``shapes`` (its readings of other RGB images mean little)."""
    import sys

    from ganviz.latent.naming import check_readable, trained_on_shapes
    from ganviz.metrics.factors import load_factor_net

    check_readable(generator)
    if not trained_on_shapes(generator):
        print(f"note: {generator.source} was not trained on shapes; the shape factor network's readings of its "
              "images may mean little", file=sys.stderr)
    return load_factor_net()


def _add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    from ganviz.latent.naming import FIT_FACTORS

    parser.add_argument("--factor", required=True, choices=FIT_FACTORS,
                        help="x (right), y (down), scale (larger), or a shape or colour to become")
    parser.add_argument("--n", type=int, default=2000, help="latents to read and fit (a quarter held out)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_picture_arguments(parser, required=False)
    parser.add_argument("--rows", type=int, default=4,
                        help="with -o: samples (seeds --seed, --seed + 1, ...) moved from -3 to +3 along the direction")


def _fit_direction(args: argparse.Namespace) -> int:
    import json

    import torch

    from ganviz.latent.naming import fit_direction, goal
    from ganviz.latent.pictures import image_grid
    from ganviz.latent.walk import sample_latents

    if args.rows < 1:
        raise ValueError(f"rows: must be >= 1, got {args.rows}")
    generator = load_image_generator(args, "fitted directions", needs_class=True)
    fitted = fit_direction(generator, _factor_net(generator), args.factor, n=args.n, seed=args.seed, y=args.label)
    if args.out:
        ladder = torch.linspace(-3, 3, 7)
        start = sample_latents(args.rows, generator.latent_dim, args.seed)
        rows = (start[:, None, :] + ladder[None, :, None] * fitted.vector).reshape(-1, generator.latent_dim)
        write_png(image_grid(generator.generate(rows, args.label), nrow=len(ladder)), args.out, args.scale)
    if args.json:
        print(json.dumps({"source": args.source, **fitted.to_dict(), **({"out": args.out} if args.out else {})},
                         indent=2))
    else:
        print(f"{args.source}: the direction that {goal(args.factor)} ({args.factor}): {fitted.summary()}")
        if args.out:
            print(f"wrote {args.out}: {args.rows} samples moved from -3 to +3 along it, one per row")
    return 0


# command -> (its arguments, what it runs)
NAMING = {"directions": (_add_directions_arguments, _directions), "fit-direction": (_add_fit_arguments, _fit_direction)}
