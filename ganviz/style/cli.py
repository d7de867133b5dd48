"""``python -m ganviz style content.png style.png -o out.png --steps 300``

Every :class:`~ganviz.style.transfer.StyleConfig` field is a flag (``--size 256
--style_weight 1e5 --optimizer adam``). Ctrl-C stops early and still writes the picture so far.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ganviz.style.transfer import StyleConfig


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("content", help="the picture to repaint (PNG, JPEG, WebP, ...)")
    parser.add_argument("style", help="the picture whose style to copy")
    parser.add_argument("-o", "--out", default="stylized.png", help="where to write the result (PNG)")
    parser.add_argument("--weights", default=None,
                        help="VGG19 weights: 'imagenet' (torch cache, else download), a local .pth/.safetensors "
                             "file, or 'random' (default: $GANVIZ_VGG19_WEIGHTS or 'imagenet')")
    parser.add_argument("--no-download", action="store_true", help="never download the VGG19 weights")
    parser.add_argument("--every", type=int, default=20, help="evaluations between progress updates")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    for name, (_, default, meta) in StyleConfig.field_specs().items():
        parser.add_argument(f"--{name}", dest=f"cfg:{name}", default=None, metavar="VALUE",
                            help=f"{meta.get('help') or name} (default: {default!r})")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganviz.device import describe_device
    from ganviz.style.images import load_image
    from ganviz.style.transfer import StyleTransfer
    from ganviz.style.vgg import load_vgg19, weights_source

    if args.every < 1:
        raise ValueError(f"every: must be >= 1, got {args.every}")
    config = StyleConfig.from_dict({k[4:]: v for k, v in vars(args).items() if k.startswith("cfg:") and v is not None})
    content, style = load_image(args.content), load_image(args.style)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)  # a folder that cannot be written fails before the run
    source = weights_source(args.weights)
    features = load_vgg19(source, download=not args.no_download, progress=not args.quiet)
    if source == "random":
        print("warning: random VGG19 weights — the code runs, the result is not a painting", file=sys.stderr)
    transfer = StyleTransfer(content, style, config, features=features)
    bar = tqdm(total=config.steps, unit="eval", disable=args.quiet, file=sys.stderr,
               desc=f"{transfer.size}px on {describe_device(transfer.device)}")

    def show(progress) -> None:
        bar.update(progress.step - bar.n)
        bar.set_postfix(loss=f"{progress.losses['loss']:.4g}", style=f"{progress.losses['style']:.3g}",
                        content=f"{progress.losses['content']:.3g}")

    try:
        transfer.run(callback=show, every=args.every)
    except KeyboardInterrupt:
        print(f"\nstopped after {transfer.step_count} evaluations; writing the picture so far", file=sys.stderr)
    bar.close()
    from PIL import Image
    Image.fromarray(transfer.preview()).save(out, format="PNG")
    print(json.dumps({"out": str(out), "evaluations": transfer.step_count, "seconds": round(transfer.elapsed, 3),
                      "size": list(transfer.image.shape[-2:]), **transfer.history.last()}))
    return 0
