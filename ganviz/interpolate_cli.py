"""``python -m ganviz interpolate SOURCE --seed-a 1 --seed-b 2 --steps 8 [--slerp] -o strip.png``.

Walks from the sample of seed A to the sample of seed B (the same samples ``ganviz sample``
draws for those seeds) and writes the strip as a PNG, or as an animated GIF that goes there and
back when ``-o`` ends in ``.gif``.
"""
from __future__ import annotations

import argparse

from ganviz.sample_cli import add_source_arguments, load, write_png


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--seed-a", type=int, default=0, help="seed of the start sample")
    parser.add_argument("--seed-b", type=int, default=1, help="seed of the end sample")
    parser.add_argument("--steps", type=int, default=8, help="images in the strip, both ends included")
    parser.add_argument("--slerp", action="store_true", help="spherical interpolation (default: linear)")
    parser.add_argument("--frame-ms", type=int, default=120, help="GIF frame duration in milliseconds")


def run(args: argparse.Namespace) -> int:
    from ganviz.latent import interpolate, seeded_latents
    from ganviz.viz import enlarge, image_grid, to_uint8

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
