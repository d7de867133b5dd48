"""The ``--gif PATH`` / ``--mp4 PATH`` flags that ``toy``, ``train`` and ``landscape dirac`` share:
the run's frames, recorded as it goes, written headless as the pages' download buttons write them.

A command adds the flags (:func:`add_export_flags`), checks the paths before it trains
(:func:`export_targets`), records at :func:`frame_every` and writes at the end (:func:`write_exports`).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ganviz.animation.recorder import MAX_FRAMES, FrameRecorder
from ganviz.animation.writers import FORMATS, FPS, ExportError, check_fps, check_target, write


def add_export_flags(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--gif", metavar="PATH", help=f"also write {what} as an animated GIF")
    parser.add_argument("--mp4", metavar="PATH", help=f"also write {what} as an MP4 video (needs imageio-ffmpeg)")
    parser.add_argument("--frame-every", type=int, default=None, metavar="N",
                        help=f"a frame every N updates (default: about {MAX_FRAMES} frames over the run; a run "
                             f"with more frames than that keeps every other one)")
    parser.add_argument("--fps", type=float, default=FPS, help="frames per second of the animation")


def export_targets(args: argparse.Namespace) -> dict[str, Path]:
    """The animations asked for, format -> path, each checked before anything is trained."""
    if args.frame_every is not None and args.frame_every < 1:
        raise ExportError(f"frame-every: must be >= 1, got {args.frame_every}")
    check_fps(args.fps)
    return {fmt: check_target(getattr(args, fmt), fmt) for fmt in FORMATS if getattr(args, fmt)}


def frame_every(args: argparse.Namespace, steps: int) -> int:
    """``--frame-every``, or the cadence that spreads MAX_FRAMES frames from step 0 to ``steps``."""
    return args.frame_every or max(1, -(-steps // (MAX_FRAMES - 1)))


def write_exports(recorder: FrameRecorder, targets: dict[str, Path], fps: float) -> dict[str, str]:
    """Write the recorded frames to every target; format -> the path written."""
    if not targets:
        return {}
    pictures = recorder.images()
    return {fmt: str(write(pictures, path, fps)) for fmt, path in targets.items()}
