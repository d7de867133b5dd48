"""Example pictures the project draws itself, so they carry no one else's copyright (CC0).

Two content pictures (a mountain lake, a still life of spheres) and three style pictures
(swirling brush strokes, a stained-glass mosaic, layered waves), all procedural numpy and
deterministic. The app reads the PNGs shipped in ``assets/style/`` and draws a picture here when
its file is missing; ``python -m ganviz.style.examples [FOLDER]`` writes them all again.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "style"
SIZE = 512


def _grid(size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [0, 1): x to the right, y downwards."""
    c = (np.arange(size) + 0.5) / size
    return np.meshgrid(c, c)


def _mix(a, b, t) -> np.ndarray:
    t = np.clip(np.asarray(t, dtype=np.float64), 0, 1)[..., None]
    return np.asarray(a, dtype=np.float64) * (1 - t) + np.asarray(b, dtype=np.float64) * t


def _smooth_noise(size: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Value noise: a coarse random grid, bicubically upsampled."""
    coarse = rng.random((cells, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(coarse, "F").resize((size, size), Image.Resampling.BICUBIC))


def mountain_lake(size: int = SIZE) -> np.ndarray:
    x, y = _grid(size)
    rng = np.random.default_rng(1)
    image = _mix([250, 190, 120], [70, 110, 190], 1 - y / 0.6)  # sunset sky
    image = _mix(image, [255, 240, 200], np.exp(-((x - 0.7) ** 2 + (y - 0.33) ** 2) / 0.004))  # the sun
    ridges = [(0.42, [95, 95, 130], 3.0, 0.05), (0.5, [60, 70, 90], 5.0, 0.04), (0.56, [35, 55, 50], 9.0, 0.025)]
    for base, colour, freq, amp in ridges:
        phase = rng.uniform(0, 2 * np.pi, 3)
        line = base - amp * (np.sin(freq * 2 * np.pi * x + phase[0]) + 0.5 * np.sin(2.3 * freq * 2 * np.pi * x + phase[1])
                             + 0.25 * np.sin(5.1 * freq * 2 * np.pi * x + phase[2]))
        image = np.where((y > line)[..., None], _mix(colour, np.multiply(colour, 0.6), (y - line) * 8), image)
    water = y > 0.62
    mirror = np.clip(2 * 0.62 - y, 0, 1)
    row = np.clip((mirror * size).astype(int), 0, size - 1)
    ripples = 0.5 + 0.5 * np.sin(180 * y + 6 * _smooth_noise(size, 12, rng))
    reflected = image[row, np.arange(size)[None, :]] * 0.75 + np.array([10, 25, 45]) * 0.25
    image = np.where(water[..., None], _mix(reflected, [30, 50, 80], 0.25 * ripples), image)
    return image.clip(0, 255).astype(np.uint8)


def spheres(size: int = SIZE) -> np.ndarray:
    x, y = _grid(size)
    image = _mix([230, 225, 215], [170, 160, 150], y)  # wall
    image = np.where((y > 0.68)[..., None], _mix([150, 105, 70], [95, 60, 40], (y - 0.68) * 3), image)  # table
    light = np.array([-0.5, -0.7, 0.6]) / np.linalg.norm([-0.5, -0.7, 0.6])
    for cx, cy, r, colour in [(0.3, 0.6, 0.17, [200, 40, 50]), (0.62, 0.62, 0.13, [40, 120, 200]),
                              (0.8, 0.7, 0.08, [240, 190, 40]), (0.5, 0.45, 0.09, [60, 170, 90])]:
        shadow = ((x - cx - 0.06) ** 2 / (r * 1.2) ** 2 + (y - cy - r * 0.95) ** 2 / (r * 0.3) ** 2) < 1
        image = np.where(shadow[..., None], image * 0.65, image)
        dx, dy = (x - cx) / r, (y - cy) / r
        inside = dx ** 2 + dy ** 2 < 1
        dz = np.sqrt(np.clip(1 - dx ** 2 - dy ** 2, 0, 1))
        diffuse = np.clip(dx * light[0] + dy * light[1] + dz * light[2], 0, 1)
        highlight = np.clip(diffuse, 0, 1) ** 40
        shaded = np.asarray(colour) * (0.25 + 0.75 * diffuse)[..., None] + 255 * highlight[..., None]
        image = np.where(inside[..., None], shaded, image)
    return image.clip(0, 255).astype(np.uint8)


def swirls(size: int = SIZE) -> np.ndarray:
    """Brush strokes: noise smeared along a field of vortices (line-integral convolution)."""
    x, y = _grid(size)
    rng = np.random.default_rng(2)
    vx, vy = np.zeros_like(x), np.zeros_like(y)
    for cx, cy, spin in zip(rng.random(7), rng.random(7), rng.choice([-1, 1], 7)):
        d2 = (x - cx) ** 2 + (y - cy) ** 2 + 0.01
        vx += spin * -(y - cy) / d2
        vy += spin * (x - cx) / d2
    norm = np.hypot(vx, vy) + 1e-9
    vx, vy = vx / norm, vy / norm
    noise = rng.random((size, size))
    px, py = x * size, y * size
    smear = np.zeros_like(noise)
    for _ in range(24):  # follow the flow for a stroke's length, averaging the noise met on the way
        ix, iy = np.clip(px.astype(int), 0, size - 1), np.clip(py.astype(int), 0, size - 1)
        smear += noise[iy, ix]
        px, py = px + vx[iy, ix], py + vy[iy, ix]
    strokes = (smear / 24 - 0.5) * 3 + 0.5
    hue = _smooth_noise(size, 5, rng)
    palette = _mix(_mix([20, 40, 120], [60, 120, 200], hue * 2), [240, 200, 60], (hue - 0.5) * 2)
    return (palette * (0.55 + 0.6 * strokes[..., None])).clip(0, 255).astype(np.uint8)


def mosaic(size: int = SIZE) -> np.ndarray:
    """Stained glass: Voronoi cells in jewel colours with dark lead between them."""
    x, y = _grid(size)
    rng = np.random.default_rng(3)
    seeds = rng.random((90, 2))
    d = (x[..., None] - seeds[:, 0]) ** 2 + (y[..., None] - seeds[:, 1]) ** 2
    nearest = np.sort(d, axis=-1)
    owner = np.argmin(d, axis=-1)
    palette = np.array([[180, 30, 40], [30, 70, 160], [230, 170, 30], [40, 130, 70], [120, 40, 140], [220, 110, 40]])
    colours = palette[rng.integers(0, len(palette), len(seeds))] * rng.uniform(0.7, 1.15, (len(seeds), 1))
    image = colours[owner] * (0.85 + 0.3 * _smooth_noise(size, 24, rng))[..., None]
    edge = np.sqrt(nearest[..., 1]) - np.sqrt(nearest[..., 0])
    return _mix(image, [25, 20, 20], 1 - edge / 0.006).clip(0, 255).astype(np.uint8)


def waves(size: int = SIZE) -> np.ndarray:
    """Layered waves in the manner of a woodblock print: flat bands with white crests."""
    x, y = _grid(size)
    rng = np.random.default_rng(4)
    image = np.broadcast_to(np.array([238, 225, 195], dtype=np.float64), (size, size, 3)).copy()  # paper
    blues = [[150, 190, 210], [70, 120, 170], [30, 60, 120], [15, 35, 80]]
    for k, colour in enumerate(blues):
        base = 0.3 + 0.18 * k
        crest = base + 0.06 * np.sin(2 * np.pi * (3 + k) * x + rng.uniform(0, 6)) + 0.02 * np.sin(2 * np.pi * 11 * x + k)
        below = y > crest
        image = np.where(below[..., None], colour, image)
        foam = np.abs(y - crest) < 0.008 + 0.006 * np.sin(60 * x + k)
        image = np.where(foam[..., None], [250, 250, 245], image)
        streak = below & (np.sin(2 * np.pi * (y - crest) * 40) > 0.85)
        image = np.where(streak[..., None], _mix(colour, [255, 255, 255], 0.35), image)
    return image.clip(0, 255).astype(np.uint8)


CONTENT = {"Mountain lake": mountain_lake, "Spheres": spheres}
STYLE = {"Swirls": swirls, "Mosaic": mosaic, "Waves": waves}
EXAMPLES = CONTENT | STYLE


def file_name(name: str) -> str:
    return name.lower().replace(" ", "_") + ".png"


def example(name: str) -> Image.Image:
    """The shipped PNG of example ``name`` (drawn afresh when the file is missing)."""
    if name not in EXAMPLES:
        raise ValueError(f"example: unknown {name!r}; choose from {', '.join(EXAMPLES)}")
    path = ASSETS / file_name(name)
    if path.is_file():
        return Image.open(path).convert("RGB")
    return Image.fromarray(EXAMPLES[name]())


def write_all(folder: Path = ASSETS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in EXAMPLES.items():
        paths.append(folder / file_name(name))
        Image.fromarray(draw()).save(paths[-1], optimize=True)
    return paths


if __name__ == "__main__":
    for written in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS):
        print(written)
