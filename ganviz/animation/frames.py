"""What an animation frame keeps of a run, and the picture drawn from it.

A *frame* is a dict of panels, label -> panel, drawn side by side under a line with the step:

- a plane panel (:func:`plane_panel`): real and generated 2D samples, optionally over D's
  heatmap with the mixture's mode centres; from the Mode collapse lab (:func:`collapse_frame`,
  both arms), the ``toy`` CLI (:func:`mixture_frame`) and the Train page on 2D data
  (:func:`toy_frame`);
- a picture panel: a uint8 image grid, the Train page's samples of its fixed latent batch
  (:func:`image_frame`) or an arm of the image lab (:func:`collapse_frame`).

Panels hold small float32 arrays, not pictures: a recorder keeps a hundred frames of a lab
in a few megabytes and draws them only when an animation is written (:func:`render`).

The Minimax landscape's trajectory is one surface under a growing path: its frames are the
path's steps and :func:`dirac_recorder` draws them over the shared surface.
"""
from __future__ import annotations

import numpy as np

from ganviz.animation.canvas import (DIVERGING, FAKE, INK, MODE_CENTRE, PATH, REAL, VERDICT, Plane, at_least,
                                     side_by_side, titled, unit_range)
from ganviz.animation.recorder import MAX_FRAMES, FrameRecorder
from ganviz.collapse.plane import verdict

SAMPLES = "Generated samples (fixed z)"
REAL_VS_FAKE = "Real vs generated"


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def plane_panel(extent, real, fake, *, cells: np.ndarray | None = None, means=None) -> dict:
    """A plane panel: samples in ``extent`` = (xmin, xmax, ymin, ymax); ``cells``: D's verdict on
    [0, 1] over the plane (row 0 at ymin); ``means``: the mixture's mode centres."""
    return {"extent": tuple(float(v) for v in extent), "real": _f32(real).reshape(-1, 2),
            "fake": _f32(fake).reshape(-1, 2), "cells": None if cells is None else _f32(cells),
            "means": None if means is None else _f32(means).reshape(-1, 2)}


def view_panel(view: dict, means) -> dict:
    """A plane panel from :func:`ganviz.collapse.plane.toy_view`: samples over D's verdict."""
    return plane_panel(view["extent"], view["real"], view["fake"], cells=verdict(view["heatmap"]), means=means)


def collapse_frame(lab: dict, names: dict[str, str]) -> dict:
    """A frame of a Mode collapse lab from :func:`ganviz.collapse.experiment.lab_frame`: one plane
    per arm, or on images the arm's picture grid, labelled by ``names`` (arm -> label)."""
    return {names.get(arm, arm): (np.asarray(panel["view"], dtype=np.uint8) if panel["means"] is None
                                  else view_panel(panel["view"], panel["means"]))
            for arm, panel in lab.items()}


def mixture_frame(trainer, label: str) -> dict:
    """A frame of one trainer on a Gaussian mixture, drawn as the Mode collapse page draws an arm."""
    from ganviz.collapse.plane import toy_view

    return {label: view_panel(toy_view(trainer, manifold=False), trainer.dataset.means.cpu().numpy())}


def toy_frame(real, fake, extent) -> dict:
    """A frame of the Train page on 2D data: real vs generated samples."""
    return {REAL_VS_FAKE: plane_panel(extent, real, fake)}


def image_frame(grid: np.ndarray) -> dict:
    """A frame of the Train page on images: its (H, W, 3) uint8 grid of the fixed latent batch."""
    return {SAMPLES: np.asarray(grid, dtype=np.uint8)}


def samples_frame(trainer) -> dict:
    """What the Train page shows of ``trainer``, as a frame: the grid of its fixed latent batch,
    or 1,000 real vs generated samples of a fixed seed on 2D data."""
    from ganviz.latent.pictures import image_grid

    if trainer.is_image:
        return image_frame(image_grid(trainer.generate(n=64)))
    real, fake = trainer.sample_pairs(1000, seed=0)
    return toy_frame(real.cpu().numpy(), fake.cpu().numpy(), trainer.dataset.extent())


def draw_plane(panel: dict) -> np.ndarray:
    plane = Plane(panel["extent"])
    if panel["cells"] is not None:
        plane.heatmap(panel["cells"], VERDICT)
    plane.dots(panel["real"], REAL).dots(panel["fake"], FAKE)
    if panel["means"] is not None:
        plane.rings(panel["means"], MODE_CENTRE)
    return plane.picture()


def render(step: int, frame: dict) -> np.ndarray:
    """The picture of a frame: its panels side by side, each under its label, under the step."""
    panels = [titled(draw_plane(p) if isinstance(p, dict) else at_least(p), label) for label, p in frame.items()]
    return titled(side_by_side(panels), f"step {step:,}")


def recorder(*, every: int = 1, max_frames: int = MAX_FRAMES) -> FrameRecorder:
    """A recorder of these frames."""
    return FrameRecorder(render, every=every, max_frames=max_frames)


# -- the Minimax landscape ------------------------------------------------------------------------
def render_dirac(surface: dict, path: dict, which: str, title: str, step: int, upto: int) -> np.ndarray:
    """The Dirac-GAN's ``which`` surface (``value`` or ``g_loss``; θ across, ψ up) with the path
    of its first ``upto + 1`` points and the equilibrium (0, 0) ringed."""
    theta, psi = np.asarray(surface["theta"]), np.asarray(surface["psi"])
    plane = Plane((theta[0], theta[-1], psi[0], psi[-1]))
    plane.heatmap(unit_range(surface[which]), DIVERGING)  # rows: ψ from its lowest, columns: θ
    points = np.stack([path["theta"][:upto + 1], path["psi"][:upto + 1]], 1)
    plane.rings([[0.0, 0.0]], INK, radius=5, width=1).path(points, PATH).dots(points[-1:], PATH, radius=4)
    return titled(plane.picture(), f"{title} · step {step:,}")


def dirac_recorder(surface: dict, path: dict, which: str = "value", title: str = "Dirac-GAN", *,
                   every: int = 1, max_frames: int = MAX_FRAMES) -> FrameRecorder:
    """The trajectory of :func:`ganviz.landscape.dirac.trajectory` over its
    :func:`~ganviz.landscape.dirac.landscape`, as frames at ``every`` steps (thinned to
    ``max_frames``), ending at its last point."""
    if which not in ("value", "g_loss"):
        raise ValueError(f"which: must be 'value' or 'g_loss', got {which!r}")
    frames = FrameRecorder(lambda step, upto: render_dirac(surface, path, which, title, step, upto),
                           every=every, max_frames=max_frames)
    for i, step in enumerate(np.asarray(path["step"]).tolist()):
        frames.offer(step, i)
    return frames
