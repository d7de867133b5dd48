"""``python -m ganviz COMMAND ...``: one sub-command per capability.

Each subpackage registers its commands here, one line each: the command, the subpackage's ``cli``
module that implements it, and a summary; library modules hold no argparse. The module is imported
only when one of its commands runs (torchvision/torchmetrics take seconds to import) and provides
``add_arguments(parser, command)`` and ``run(args) -> int``, with ``args.command`` naming the
command. Commands just raise: :func:`main` turns what a bad input or a failed run raises into one
``error: ...`` line and a non-zero exit, for all of them.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from ganviz.config import shown

COMMANDS = {
    "train": ("ganviz.training.cli", "train a GAN headless; writes a checkpoint and metrics.json"),
    "toy": ("ganviz.collapse.cli", "train on a 2D Gaussian mixture and report mode coverage (mode collapse)"),
    "phase": ("ganviz.training.cli", "a phase diagram: a grid of GANs over two hyperparameters, modes covered per cell"),
    "landscape": ("ganviz.landscape.cli", "Dirac-GAN dynamics, D* and divergences, loss-landscape slices"),
    "classifier": ("ganviz.metrics.cli", "train the digit classifier the metrics use, or measure its accuracy"),
    "factors": ("ganviz.metrics.cli", "train the shape factor network the shapes metrics use, or measure it"),
    "evaluate": ("ganviz.metrics.cli", "FID / IS / KID / precision-recall of generator checkpoints"),
    "sample": ("ganviz.latent.cli", "a PNG grid of samples from a shipped, local or Hub generator"),
    "style": ("ganviz.style.cli", "neural style transfer (Gatys et al., VGG19): content + style -> PNG"),
    "interpolate": ("ganviz.latent.cli", "a latent interpolation strip (linear or slerp) as PNG or GIF"),
    "directions": ("ganviz.latent.cli", "GANSpace principal directions of a generator; --factors names what each moves"),
    "fit-direction": ("ganviz.latent.cli", "the latent direction that moves one shapes factor (InterFaceGAN-style)"),
    "class-accuracy": ("ganviz.metrics.cli", "how often a conditional generator draws the class it is asked for"),
    "relative": ("ganviz.metrics.cli", "Fréchet distance over the real-vs-real one and classes held, for any data"),
}


MAX_STEPS = 10_000_000


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises its complaint instead of printing usage and exiting, so that a
    bad flag reaches :func:`main`'s one report (``error: ...``) like every other bad input."""

    def error(self, message: str):
        raise ValueError(f"{message} (see {self.prog} --help)")


def step_count(text: str, minimum: int = 1) -> int:
    """The type of every ``--steps`` flag: a whole number from ``minimum`` to MAX_STEPS. Unbounded,
    a typo like ``--steps 1e21`` or a 30-digit number starts a run that never ends."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps, got {shown(text)}") from None
    if not minimum <= value <= MAX_STEPS:
        raise argparse.ArgumentTypeError(f"must be from {minimum} to {MAX_STEPS:,}, got {shown(text)}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run one command. A bad input or a failed run prints ``error: ...`` (no traceback) and exits
    with 2 (the input was refused) or 1 (the run failed: divergence, out of memory); anything else
    is a bug and keeps its traceback."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        return _dispatch(argv)
    except Exception as err:  # sorted by _failure; a bug is raised again
        failure = _failure(err)
        if failure is None:
            raise
        print(f"error: {failure[0]}", file=sys.stderr)
        return failure[1]


def _dispatch(argv: list[str]) -> int:
    argv = _memory_budget(argv)
    parser = _Parser(prog="python -m ganviz [--memory-budget MB]",
                     description="ganviz: an interactive GAN laboratory. --memory-budget: the most memory one "
                                 "training may use, in MB (default: GANVIZ_RUN_MEMORY_MB, else 1,536); a run "
                                 "whose estimate is above it is refused before anything is allocated")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        sub.add_parser(name, help=summary, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    if argv[0] not in COMMANDS:
        raise ValueError(f"unknown command {shown(argv[0])}; the commands are {', '.join(COMMANDS)}")
    module = importlib.import_module(COMMANDS[argv[0]][0])
    command = _Parser(prog=f"python -m ganviz {argv[0]}", description=COMMANDS[argv[0]][1])
    module.add_arguments(command, argv[0])
    args = command.parse_args(argv[1:])
    args.command = argv[0]
    return module.run(args)


def _memory_budget(argv: list[str]) -> list[str]:
    """A leading ``--memory-budget MB`` (or ``=MB``) sets the per-run budget of
    :mod:`ganviz.resources` for this command; the rest of ``argv`` is returned."""
    if not argv or not argv[0].startswith("--memory-budget"):
        return argv
    flag, _, value = argv[0].partition("=")
    if flag != "--memory-budget":
        return argv
    rest = argv[1:]
    if not value:
        if not rest:
            raise ValueError("--memory-budget: expected a number of megabytes before the command")
        value, rest = rest[0], rest[1:]
    from ganviz.resources import RUN_MEMORY_ENV, parse_megabytes

    os.environ[RUN_MEMORY_ENV] = str(parse_megabytes(value, "--memory-budget"))  # checked before it is set
    return rest


def _failure(err: Exception) -> tuple[str, int] | None:
    """(message, exit code) for what a bad input or a failed run raises; None for a bug. The run
    failures live beside torch, so they are imported only once something has gone wrong."""
    from ganviz.resources import ResourceError, describe_out_of_memory, is_out_of_memory
    from ganviz.training.trainer import DivergenceError

    if isinstance(err, ValueError):  # bad values, checkpoints (CheckpointError), images, flags
        return str(err), 2
    if isinstance(err, OSError):  # missing files, --out paths that cannot be written
        return (f"{err.filename}: {err.strerror}" if err.filename and err.strerror else str(err)), 2
    if isinstance(err, (DivergenceError, ResourceError, FloatingPointError)):
        return str(err), 1
    if is_out_of_memory(err):
        return describe_out_of_memory(err, "running the command"), 1
    return None
