"""Array helpers for pictures: what a page or the CLI needs to show tensors as images."""
from __future__ import annotations

import io

import numpy as np
import torch


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> (N, H, W, C) uint8."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def image_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2) -> np.ndarray:
    """A (H, W, 3) uint8 grid of (N, C, H, W) images in [-1, 1], via torchvision's make_grid."""
    from torchvision.utils import make_grid

    grid = make_grid(images.detach().float().cpu().clamp(-1, 1), nrow=nrow, padding=padding,
                     normalize=True, value_range=(-1, 1), pad_value=1.0)
    return (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def png_bytes(array: np.ndarray) -> bytes:
    """Encode an (H, W) or (H, W, C) uint8 array as PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array.squeeze(-1) if array.ndim == 3 and array.shape[-1] == 1 else array).save(buffer, "PNG")
    return buffer.getvalue()


def enlarge(array: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling of an (H, W[, C]) array: small digits stay crisp, not blurred."""
    if factor < 1:
        raise ValueError(f"scale: must be >= 1, got {factor}")
    return array.repeat(factor, 0).repeat(factor, 1)
