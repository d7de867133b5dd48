"""Animations written from a list of pictures: GIF through Pillow, MP4 (H.264) through imageio and
the ffmpeg binary that the imageio-ffmpeg wheel ships (nothing is downloaded at run time).

:func:`check_target` refuses a path that cannot be written before any training starts;
:func:`write` writes a file, :func:`encode` the bytes a download button serves.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

FORMATS = {"gif": "image/gif", "mp4": "video/mp4"}
FPS = 10
MAX_FPS = 60
# H.264 in yuv420p needs even sides, and ffmpeg's encoder works in 16 x 16 macro-blocks: frames
# are padded (white, never scaled) to a multiple of this
MACRO_BLOCK = 16
MP4_QUALITY = 8  # imageio's 0-10 scale
PALETTE_FRAMES = 8  # frames the GIF's one palette is taken from


class ExportError(ValueError):
    """An animation that cannot be written: nothing recorded, a path that cannot be written, a
    wrong suffix, or MP4 without imageio-ffmpeg."""


def mp4_unavailable() -> str | None:
    """Why MP4 cannot be written here (None when it can)."""
    try:
        import imageio.v2  # noqa: F401
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as err:
        return f"MP4 needs imageio and imageio-ffmpeg (pip install imageio imageio-ffmpeg): {err}"
    return None


def format_of(path: str | Path) -> str:
    """'gif' or 'mp4', from the path's suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(f"{path}: an animation is written as .gif or .mp4, not {Path(path).suffix or 'no suffix'!r}")
    return suffix


def check_target(path: str | Path, fmt: str | None = None) -> Path:
    """``path`` if an animation can be written there: the suffix matches ``fmt`` (default: any
    format), the folder exists and is writable, the path is not a folder, and MP4 can be written."""
    path = Path(path)
    found = format_of(path)
    if fmt is not None and found != fmt:
        raise ExportError(f"{path}: must end in .{fmt} for {fmt.upper()}")
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(f"{path}: the folder {folder} does not exist")
    if path.is_dir():
        raise ExportError(f"{path}: is a folder")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ExportError(f"{path}: not writable")
    if found == "mp4" and (why := mp4_unavailable()):
        raise ExportError(why)
    return path


def _uniform(pictures: list[np.ndarray], multiple: int = 1) -> np.ndarray:
    """The pictures as one (N, H, W, 3) uint8 stack, each padded with white at its right and bottom
    to the largest size, rounded up to ``multiple``."""
    if not pictures:
        raise ExportError("nothing to export: no frames have been recorded yet")
    height = -(-max(p.shape[0] for p in pictures) // multiple) * multiple
    width = -(-max(p.shape[1] for p in pictures) // multiple) * multiple
    stack = np.full((len(pictures), height, width, 3), 255, dtype=np.uint8)
    for out, p in zip(stack, pictures):
        out[:p.shape[0], :p.shape[1]] = p
    return stack


def check_fps(fps: float) -> None:
    if not 0 < fps <= MAX_FPS:
        raise ExportError(f"fps: must be > 0 and <= {MAX_FPS}, got {fps}")


def _gif(pictures: list[np.ndarray], target, fps: float) -> None:
    """One 256-colour palette for every frame, taken from a few frames spread over the run, and no
    dithering: what does not change between frames stays the same pixels, so each frame stores only
    what changed (a trajectory over a fixed surface is 30x smaller than with a palette per frame,
    docs/export.md)."""
    stack = _uniform(pictures)
    sample = stack[np.unique(np.linspace(0, len(stack) - 1, PALETTE_FRAMES).round().astype(int))]
    palette = Image.fromarray(np.concatenate(list(sample))).quantize(256, method=Image.Quantize.MEDIANCUT,
                                                                     dither=Image.Dither.NONE)
    frames = [Image.fromarray(p).quantize(palette=palette, dither=Image.Dither.NONE) for p in stack]
    frames[0].save(target, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps),
                   loop=0)


def _mp4(pictures: list[np.ndarray], path: Path, fps: float) -> None:
    if why := mp4_unavailable():
        raise ExportError(why)
    import imageio.v2 as imageio

    with imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec="libx264", quality=MP4_QUALITY,
                            pixelformat="yuv420p", macro_block_size=MACRO_BLOCK, ffmpeg_log_level="error") as out:
        for frame in _uniform(pictures, MACRO_BLOCK):
            out.append_data(frame)


def write(pictures: list[np.ndarray], path: str | Path, fps: float = FPS) -> Path:
    """Write ``pictures`` ((H, W, 3) uint8) as an animation; the format comes from the suffix."""
    path = check_target(path)
    check_fps(fps)
    (_gif if format_of(path) == "gif" else _mp4)(pictures, path, fps)
    return path


def encode(pictures: list[np.ndarray], fmt: str, fps: float = FPS) -> bytes:
    """The bytes of the animation file, for a download."""
    if fmt not in FORMATS:
        raise ExportError(f"format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    check_fps(fps)
    if fmt == "gif":
        buffer = io.BytesIO()
        _gif(pictures, buffer, fps)
        return buffer.getvalue()
    with tempfile.TemporaryDirectory(prefix="ganviz-mp4-") as folder:  # ffmpeg writes to a file
        path = Path(folder) / "animation.mp4"
        _mp4(pictures, path, fps)
        return path.read_bytes()
