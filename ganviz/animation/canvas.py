"""Pictures drawn headless with numpy and Pillow: a region of the plane with a heatmap, points and
paths on it, and the framing around pictures (a title line, panels side by side).

The engine has no plotting library; an animation frame needs little more than coloured cells,
dots and a line, and numpy draws a thousand dots in one indexed assignment. Colours follow the
app's: real = teal, generated = violet.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganviz.latent.pictures import enlarge

REAL = "#0d9488"
FAKE = "#7c3aed"
PATH = "#f59e0b"
INK = "#1f2937"
MODE_CENTRE = "#5eead4"
# D's verdict on [0, 1]: violet where D says "generated", white at 1/2, teal where it says "real"
VERDICT = ("#ddd6fe", "#ffffff", "#99f6e4")
# a diverging scale for values of either sign (Plotly's RdBu reversed: low blue, high red)
DIVERGING = ("#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b")
PLANE_SIZE = 320
TITLE_HEIGHT = 24
FONT_SIZE = 14
# pixel coordinates are clipped to this many picture sizes around it: a diverging path's 1e300
# must not overflow the integer conversion, and a line towards it still leaves the frame right
FAR = 8


def rgb(color: str) -> np.ndarray:
    """'#rrggbb' -> uint8 [r, g, b]."""
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def colormap(values: np.ndarray, stops: tuple[str, ...]) -> np.ndarray:
    """Values on [0, 1] (clipped; NaN -> the middle) coloured by linear interpolation between
    evenly spaced ``stops``: (..., 3) uint8."""
    v = np.nan_to_num(np.clip(np.asarray(values, dtype=np.float64), 0, 1), nan=0.5)
    colors = np.stack([rgb(c) for c in stops]).astype(np.float64)
    position = v * (len(stops) - 1)
    low = np.minimum(position.astype(int), len(stops) - 2)
    t = (position - low)[..., None]
    return np.round(colors[low] * (1 - t) + colors[low + 1] * t).astype(np.uint8)


def unit_range(values: np.ndarray, low: float = 2.0, high: float = 98.0) -> np.ndarray:
    """Values mapped to [0, 1] between their ``low`` and ``high`` percentiles (finite ones only):
    one steep corner of a surface does not wash out the rest."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return np.full(v.shape, 0.5)
    lo, hi = np.percentile(finite, [low, high])
    return np.clip((v - lo) / (hi - lo), 0, 1) if hi > lo else np.full(v.shape, 0.5)


def font(size: int = FONT_SIZE) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


class Plane:
    """A picture of the region ``extent`` = (xmin, xmax, ymin, ymax) of the plane, y upwards, its
    longer side ``size`` pixels; draw on it, then take :meth:`picture`."""

    def __init__(self, extent, size: int = PLANE_SIZE):
        self.extent = tuple(float(v) for v in extent)
        xmin, xmax, ymin, ymax = self.extent
        if not (xmax > xmin and ymax > ymin):
            raise ValueError(f"extent: must be (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax, "
                             f"got {extent!r}")
        scale = size / max(xmax - xmin, ymax - ymin)
        self.width, self.height = max(1, round(scale * (xmax - xmin))), max(1, round(scale * (ymax - ymin)))
        self.array = np.full((self.height, self.width, 3), 255, dtype=np.uint8)

    def pixels(self, points) -> tuple[np.ndarray, np.ndarray]:
        """(columns, rows) of (N, 2) points, as floats clipped to a few picture sizes around it."""
        xmin, xmax, ymin, ymax = self.extent
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        col = (p[:, 0] - xmin) / (xmax - xmin) * self.width
        row = (ymax - p[:, 1]) / (ymax - ymin) * self.height
        far = FAR * max(self.width, self.height)
        return np.clip(col, -far, far), np.clip(row, -far, far)

    def heatmap(self, cells: np.ndarray, stops: tuple[str, ...]) -> "Plane":
        """Fill the picture with ``cells`` (values on [0, 1], row 0 at ymin, as
        :func:`ganviz.collapse.plane.plane_grid` lays them out), smoothly interpolated."""
        colored = colormap(np.flipud(np.asarray(cells)), stops)
        self.array = np.asarray(Image.fromarray(colored).resize((self.width, self.height), Image.BILINEAR)).copy()
        return self

    def dots(self, points, color: str, radius: int = 2) -> "Plane":
        """Filled discs at ``points`` (non-finite ones skipped)."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        p = p[np.isfinite(p).all(1)]
        col, row = (np.round(v).astype(int) for v in self.pixels(p))
        dy, dx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
        disc = dx ** 2 + dy ** 2 <= radius ** 2 + radius  # a round dot at small radii too
        rows, cols = row[:, None] + dy[disc][None], col[:, None] + dx[disc][None]
        inside = (rows >= 0) & (rows < self.height) & (cols >= 0) & (cols < self.width)
        self.array[rows[inside], cols[inside]] = rgb(color)
        return self

    def rings(self, points, color: str, radius: int = 6, width: int = 2) -> "Plane":
        """Circles round ``points`` (the mixture's mode centres)."""
        col, row = self.pixels(points)
        return self._draw(lambda d: [d.ellipse((c - radius, r - radius, c + radius, r + radius), outline=color,
                                               width=width) for c, r in zip(col, row)])

    def path(self, points, color: str, width: int = 2) -> "Plane":
        """A polyline through ``points`` (non-finite ones end it)."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        finite = np.isfinite(p).all(1)
        p = p[:len(p) if finite.all() else int(np.argmin(finite))]
        if len(p) < 2:
            return self
        col, row = self.pixels(p)
        return self._draw(lambda d: d.line(list(zip(col.tolist(), row.tolist())), fill=color, width=width,
                                           joint="curve"))

    def _draw(self, paint) -> "Plane":
        image = Image.fromarray(self.array)
        paint(ImageDraw.Draw(image))
        self.array = np.asarray(image).copy()
        return self

    def picture(self) -> np.ndarray:
        """The (H, W, 3) uint8 picture with a thin grey frame."""
        out = self.array.copy()
        out[[0, -1], :] = out[:, [0, -1]] = 160
        return out


def titled(picture: np.ndarray, text: str, height: int = TITLE_HEIGHT) -> np.ndarray:
    """``picture`` under a white band with ``text`` in it."""
    band = Image.new("RGB", (picture.shape[1], height), "white")
    ImageDraw.Draw(band).text((6, (height - FONT_SIZE) // 2 - 1), text, fill=INK, font=font())
    return np.concatenate([np.asarray(band), rgb_picture(picture)], axis=0)


def rgb_picture(picture: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1) or (H, W, 3) uint8 -> (H, W, 3)."""
    p = np.asarray(picture, dtype=np.uint8)
    if p.ndim == 2:
        p = p[..., None]
    return np.repeat(p, 3, axis=2) if p.shape[2] == 1 else p[..., :3]


def side_by_side(pictures: list[np.ndarray], gap: int = 8) -> np.ndarray:
    """Pictures in a row on white, top-aligned, ``gap`` pixels apart."""
    pictures = [rgb_picture(p) for p in pictures]
    height = max(p.shape[0] for p in pictures)
    width = sum(p.shape[1] for p in pictures) + gap * (len(pictures) - 1)
    out = np.full((height, width, 3), 255, dtype=np.uint8)
    x = 0
    for p in pictures:
        out[:p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + gap
    return out


def at_least(picture: np.ndarray, size: int = PLANE_SIZE) -> np.ndarray:
    """``picture`` enlarged by the smallest whole factor (pixels stay crisp) that makes its longer
    side at least ``size``."""
    return enlarge(picture, max(1, -(-size // max(picture.shape[:2]))))
