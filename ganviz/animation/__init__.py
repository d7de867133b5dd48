"""Animations of a run for slides: frames recorded as it trains, written as GIF or MP4.

- :mod:`ganviz.animation.recorder`: :class:`FrameRecorder`, frames at a fixed cadence in bounded
  memory (thinned, cadence doubled, when full).
- :mod:`ganviz.animation.frames`: what a frame keeps of the Mode collapse lab, the Train page's
  samples and the Minimax landscape's trajectory, and the picture drawn from it.
- :mod:`ganviz.animation.canvas`: the drawing (numpy and Pillow, headless).
- :mod:`ganviz.animation.writers`: GIF (Pillow) and MP4 (imageio + imageio-ffmpeg) files and bytes.
- :mod:`ganviz.animation.cli`: the ``--gif`` / ``--mp4`` flags of ``toy``, ``train`` and
  ``landscape dirac``.
"""
from ganviz.animation.recorder import MAX_FRAMES, FrameRecorder
from ganviz.animation.writers import FORMATS, FPS, ExportError, encode, mp4_unavailable, write

__all__ = ["FORMATS", "FPS", "MAX_FRAMES", "ExportError", "FrameRecorder", "encode", "mp4_unavailable", "write"]
