"""Reading pictures people upload, safely, into RGB tensors in [0, 1].

Whatever arrives — RGBA, greyscale, palette, CMYK, 16-bit, a phone photo stored sideways with
an EXIF rotation tag, an animated GIF — comes out as an upright 8-bit RGB picture (transparent
parts over white). A file that is not a picture, is cut short, would decode into more than
``max_pixels`` pixels (a "decompression bomb": a few kilobytes that expand to gigabytes), or is a
strip longer than ``MAX_ASPECT`` times its width (50000x1: nothing survives scaling it, and
drawing it fails) raises :class:`ImageError`, a ``ValueError`` whose text can be shown to the user
as it is. Both limits are checked from the header, before any pixel is decoded.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # a 50-megapixel photo decodes to 150 MB of RGB: the most we accept
MAX_ASPECT = 20  # a panorama is ~4:1; at 512 px a 20:1 strip is still 25 px tall, and VGG19 needs 16
FORMATS = "PNG, JPEG, WebP, GIF, BMP or TIFF"


class ImageError(ValueError):
    """An upload that cannot be used as a picture; the message says why, for a person."""


def load_image(source: str | Path | bytes | BinaryIO, *, name: str | None = None,
               max_pixels: int = MAX_PIXELS) -> Image.Image:
    """An upright RGB ``PIL.Image`` from a path, bytes or a binary file object."""
    label = name or (Path(source).name if isinstance(source, (str, Path)) else "the file")
    if isinstance(source, (str, Path)) and not Path(source).is_file():
        raise FileNotFoundError(f"{source}: no such file")
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        with warnings.catch_warnings():
            # PIL warns above MAX_IMAGE_PIXELS and refuses above twice that; treat both as a refusal
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            width, height = image.size
            _check_size(label, width, height, max_pixels)
            image.seek(0)  # the first frame of an animation
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{label} is too large to open safely (above {max_pixels / 1e6:.0f} megapixels); "
                         "make it smaller and try again") from None
    except UnidentifiedImageError:
        raise ImageError(f"{label} is not an image this app can read; use a {FORMATS} file") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(f"{label} looks like an image but cannot be decoded — the file is damaged or "
                         f"incomplete ({err})") from None
    if image.width < 1 or image.height < 1:
        raise ImageError(f"{label} has no pixels")
    return _to_rgb(ImageOps.exif_transpose(image))


def _check_size(label: str, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageError(f"{label} is {width}x{height} = {width * height / 1e6:.0f} megapixels, above the limit "
                         f"of {max_pixels / 1e6:.0f}; make it smaller and try again")
    if max(width, height) > MAX_ASPECT * max(min(width, height), 1):
        raise ImageError(f"{label} is {width}x{height}, more than {MAX_ASPECT} times longer than it is wide; "
                         "crop it to a less extreme shape and try again")


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):  # 16-bit / float greyscale
        values = np.asarray(image, dtype=np.float64)
        if image.mode == "F":
            top = 1.0 if values.max() <= 1.0 else 255.0
        else:  # "I" holds 8- or 16-bit data depending on the file; "I;16*" is always 16-bit
            top = 65535.0 if image.mode != "I" or values.max() > 255 else 255.0
        image = Image.fromarray(np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image.convert("RGB")


def resize(image: Image.Image, size: int) -> Image.Image:
    """Scale so the longer side is ``size`` pixels, keeping the aspect ratio."""
    if size < 1:
        raise ValueError(f"size: must be >= 1, got {size}")
    scale = size / max(image.size)
    target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image if target == image.size else image.resize(target, Image.Resampling.LANCZOS)


def to_tensor(image: Image.Image) -> torch.Tensor:
    """(3, H, W) float32 in [0, 1]."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) or (1, 3, H, W) in [0, 1] -> (H, W, 3) uint8."""
    x = image.detach().float().reshape(-1, *image.shape[-2:]).clamp(0, 1).mul(255).round().to(torch.uint8)
    return x.permute(1, 2, 0).cpu().numpy()
