"""``python -m ganviz COMMAND ...``: one sub-command per capability.

Each entry maps a command to the module that implements it; the module is imported only when
its command runs (torchvision/torchmetrics take seconds to import) and provides
``add_arguments(parser)`` and ``run(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "train": ("ganviz.training.cli", "train a GAN headless; writes a checkpoint and metrics.json"),
    "toy": ("ganviz.toy_cli", "train on a 2D Gaussian mixture and report mode coverage (mode collapse)"),
    "phase": ("ganviz.training.phase", "a phase diagram: a grid of GANs over two hyperparameters, modes covered per cell"),
    "landscape": ("ganviz.landscape.cli", "Dirac-GAN dynamics, D* and divergences, loss-landscape slices"),
    "classifier": ("ganviz.classifier", "train the digit classifier the metrics use, or measure its accuracy"),
    "evaluate": ("ganviz.metrics.cli", "FID / IS / KID / precision-recall of generator checkpoints"),
    "sample": ("ganviz.sample_cli", "a PNG grid of samples from a shipped, local or Hub generator"),
    "style": ("ganviz.style.cli", "neural style transfer (Gatys et al., VGG19): content + style -> PNG"),
    "interpolate": ("ganviz.interpolate_cli", "a latent interpolation strip (linear or slerp) as PNG or GIF"),
    "class-accuracy": ("ganviz.conditional", "how often a conditional generator draws the class it is asked for"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m ganviz", description="ganviz: an interactive GAN laboratory")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        sub.add_parser(name, help=summary, add_help=False)
    if not argv or argv[0] not in COMMANDS:
        parser.print_help() if not argv or argv[0] in ("-h", "--help") else parser.parse_args(argv)
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    command = argparse.ArgumentParser(prog=f"python -m ganviz {argv[0]}", description=COMMANDS[argv[0]][1])
    module.add_arguments(command)
    args = command.parse_args(argv[1:])
    try:
        return module.run(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
