"""The ``shapes`` dataset: coloured shapes rendered on the fly from known factors.

Every image is one shape (circle, square, triangle or star) in one of six hues on a black
background, at a position, scale and rotation drawn from the config's ranges
(``ganviz.config.DataConfig``: ``shapes``, ``colours``, ``x_min`` ... ``rotation_max``). Because
the factors behind every real image are known, a generator's samples can be judged exactly: the
shape x colour combinations are the modes (``ganviz.metrics.factors``), as the mixture means are on
the 2D toys. Leaving a colour out of ``colours`` makes a missing-mode dataset; naming one twice
makes an imbalanced one.

Rendering is batched and needs no image library: each shape is a signed distance function on the
pixel grid (the exact distance to a star for the square, triangle and star), and a pixel's coverage
is ``clamp(0.5 - distance in pixels, 0, 1)`` — a one-pixel box filter across the edge, the
usual analytic anti-aliasing. The dataset is unlimited: ``sample`` draws fresh factors from the
caller's ``torch.Generator`` each time, so the same seed gives the same images, on the device of
that generator.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from ganviz.config import SHAPE_COLOURS, SHAPE_FACTOR_LIMITS, SHAPE_NAMES, DataConfig

COLOUR_NAMES = tuple(SHAPE_COLOURS)
CONTINUOUS = tuple(SHAPE_FACTOR_LIMITS)  # x, y, scale, rotation
STAR_INNER = 0.4  # a five-pointed star's inner radius over its outer one
# pixels rendered at once: a dozen temporaries of this many floats (~200 MB) at most, whatever the batch
RENDER_PIXELS = 2 ** 22
# every polygon as a k-pointed star: k outer corners at radius 1, the first at the angle ``tip``
# (degrees from the x axis towards the top of the image), and k inner corners at radius ``inner``
# halfway between them. A regular k-gon is the star whose inner corners are its edges' midpoints,
# at radius cos(180/k): the square with its edges upright has its corners at 45 degrees.
POLYGONS = {"square": (4, math.cos(math.pi / 4), 45.0), "triangle": (3, 0.5, 90.0), "star": (5, STAR_INNER, 90.0)}
# rotations that leave each shape unchanged: a square turned by 90 degrees is the same square.
# 0 means any rotation does (the circle), so its rotation cannot be seen at all
SYMMETRY = {"circle": 0, **{name: points for name, (points, _, _) in POLYGONS.items()}}


def star_distance(u: torch.Tensor, v: torch.Tensor, points: torch.Tensor, inner: torch.Tensor,
                  tip: torch.Tensor) -> torch.Tensor:
    """Signed distance (negative inside) from points (u, v) to a star of circumradius 1 (see
    POLYGONS), its parameters as tensors that broadcast against u and v.

    Exact, and the same few operations for every shape, with no branch on the data: the point's
    angle is folded into the half-sector [0, 180/k] degrees, where the boundary is one segment from
    an outer to an inner corner (Inigo Quilez's ``sdStar``), and the side of that segment's line
    says inside or out. That is what lets one batch hold any mix of shapes, on any device, in a
    CUDA graph too."""
    sector = math.pi / points
    radius = torch.sqrt(u * u + v * v)
    angle = torch.atan2(-v, u) - torch.deg2rad(tip)  # image y points down: -v is up
    folded = (torch.remainder(angle + sector, 2 * sector) - sector).abs()
    wx, wy = radius * torch.cos(folded) - 1, radius * torch.sin(folded)  # from the outer corner (1, 0)
    ex, ey = inner * torch.cos(sector) - 1, inner * torch.sin(sector)    # outer corner -> inner corner
    t = ((wx * ex + wy * ey) / (ex * ex + ey * ey)).clamp(0, 1)
    distance = torch.sqrt((wx - ex * t) ** 2 + (wy - ey * t) ** 2)
    return torch.where(ex * wy - ey * wx > 0, -distance, distance)


@functools.lru_cache(maxsize=None)
def _tables(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Each shape's star parameters (the circle's row is a stand-in: its distance is the radius's)
    and each colour's RGB, on ``device``: copied there once, never while a CUDA graph records."""
    table = torch.tensor([POLYGONS.get(name, POLYGONS["square"]) for name in SHAPE_NAMES], device=device)
    return table, torch.tensor(list(SHAPE_COLOURS.values()), device=device)


def render(factors: dict[str, torch.Tensor], size: int) -> torch.Tensor:
    """Images (N, 3, size, size) in [-1, 1] of the shapes these factors describe.

    ``factors``: ``shape`` and ``colour`` (indices into SHAPE_NAMES / COLOUR_NAMES), ``x`` and ``y``
    (the centre, as shares of the side, y from the top), ``scale`` (circumradius as a share of the
    side) and ``rotation`` (degrees, clockwise as seen: y points down), each of length N."""
    step = max(1, RENDER_PIXELS // (size * size))
    n = len(factors["shape"])
    return torch.cat([_render({k: v[i:i + step] for k, v in factors.items()}, size) for i in range(0, max(n, 1), step)])


def _render(factors: dict[str, torch.Tensor], size: int) -> torch.Tensor:
    shape, scale = factors["shape"], factors["scale"].float()
    device, n = shape.device, len(shape)
    centres = (torch.arange(size, device=device, dtype=torch.float32) + 0.5) / size
    dx = centres.view(1, 1, size) - factors["x"].float().view(n, 1, 1)
    dy = centres.view(1, size, 1) - factors["y"].float().view(n, 1, 1)
    angle = torch.deg2rad(factors["rotation"].float()).view(n, 1, 1)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # into each shape's own frame: undo the rotation, then the scale
    u = (cos * dx - sin * dy) / scale.view(n, 1, 1)
    v = (sin * dx + cos * dy) / scale.view(n, 1, 1)
    table, rgb = _tables(device)
    points, inner, tip = (table[shape, i].view(n, 1, 1) for i in range(3))
    circle = (shape == SHAPE_NAMES.index("circle")).view(n, 1, 1)
    distance = torch.where(circle, torch.sqrt(u * u + v * v) - 1.0, star_distance(u, v, points, inner, tip))
    coverage = (0.5 - distance * scale.view(n, 1, 1) * size).clamp(0, 1)
    return (coverage.unsqueeze(1) * rgb[factors["colour"]].view(n, 3, 1, 1)) * 2 - 1


@dataclass(frozen=True)
class ShapeBatch:
    """Rendered images with the factors behind them and each image's mode (class) label."""
    images: torch.Tensor
    labels: torch.Tensor
    factors: dict[str, torch.Tensor]


class ShapesDataset:
    """An unlimited stream of shapes whose factors come from the given lists and ranges.

    The modes (classes) are the combinations of the distinct shapes and colours named, in
    SHAPE_NAMES x COLOUR_NAMES order: label ``i`` is ``modes[i]``. A name listed twice is drawn
    twice as often; a range whose ends are equal fixes that factor."""

    kind = "image"
    name = "shapes"

    def __init__(self, shapes: list[str] | tuple[str, ...] = SHAPE_NAMES,
                 colours: list[str] | tuple[str, ...] = COLOUR_NAMES,
                 ranges: dict[str, tuple[float, float]] | None = None, image_size: int = 32):
        unknown = sorted(set(shapes) - set(SHAPE_NAMES)) + sorted(set(colours) - set(COLOUR_NAMES))
        if unknown or not shapes or not colours:
            raise ValueError(f"shapes, colours: need known names, at least one of each; got {shapes}, {colours}")
        if image_size < 8:
            raise ValueError(f"image_size: must be >= 8, got {image_size}")
        self.ranges = {**{k: SHAPE_FACTOR_LIMITS[k] for k in CONTINUOUS}, **(ranges or {})}
        self.image_size = image_size
        self.shape_draws = torch.tensor([SHAPE_NAMES.index(s) for s in shapes])
        self.colour_draws = torch.tensor([COLOUR_NAMES.index(c) for c in colours])
        mode_shapes = [i for i, s in enumerate(SHAPE_NAMES) if s in shapes]
        mode_colours = [i for i, c in enumerate(COLOUR_NAMES) if c in colours]
        self.modes = [(SHAPE_NAMES[s], COLOUR_NAMES[c]) for s in mode_shapes for c in mode_colours]
        # (shape index, colour index) -> label; -1 where the combination is not drawn
        self.label_of = torch.full((len(SHAPE_NAMES), len(COLOUR_NAMES)), -1, dtype=torch.long)
        for label, (s, c) in enumerate(self.modes):
            self.label_of[SHAPE_NAMES.index(s), COLOUR_NAMES.index(c)] = label

    @classmethod
    def from_config(cls, config: DataConfig, image_size: int | None = None) -> "ShapesDataset":
        ranges = {k: (getattr(config, f"{k}_min"), getattr(config, f"{k}_max")) for k in CONTINUOUS}
        return cls(config.shapes, config.colours, ranges, image_size or config.image_size)

    @property
    def num_classes(self) -> int:
        return len(self.modes)

    @property
    def shape(self) -> tuple[int, int, int]:
        return 3, self.image_size, self.image_size

    def to(self, device) -> "ShapesDataset":
        """Moves the few lookup tables; each batch is rendered on its generator's device."""
        self.shape_draws, self.colour_draws, self.label_of = (t.to(device) for t in (
            self.shape_draws, self.colour_draws, self.label_of))
        return self

    def sample_factors(self, n: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        device = generator.device

        def pick(draws: torch.Tensor) -> torch.Tensor:
            return draws.to(device)[torch.randint(len(draws), (n,), generator=generator, device=device)]

        factors = {"shape": pick(self.shape_draws), "colour": pick(self.colour_draws)}
        for name in CONTINUOUS:
            lo, hi = self.ranges[name]
            factors[name] = lo + (hi - lo) * torch.rand(n, generator=generator, device=device)
        return factors

    def labels(self, factors: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.label_of.to(factors["shape"].device)[factors["shape"], factors["colour"]]

    def sample_with_factors(self, n: int, generator: torch.Generator) -> ShapeBatch:
        factors = self.sample_factors(n, generator)
        return ShapeBatch(render(factors, self.image_size), self.labels(factors), factors)

    def sample(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self.sample_with_factors(n, generator)
        return batch.images, batch.labels

