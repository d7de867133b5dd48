"""Frames kept while a run goes on, at a fixed cadence and in bounded memory.

A recorder keeps one frame every ``every`` updates. When it holds ``max_frames`` and another is
due, it drops every other frame and doubles the cadence (as :class:`ganviz.training.history.History`
thins its curves), so however long a run goes the kept frames span it from start to end and
there are never more than ``max_frames`` of them. Besides those it holds the latest frame
offered, so an export always ends where the run is now.

A frame is whatever its source stores (a few small arrays, cheaper to keep than pictures);
``render(step, frame)`` turns one into an (H, W, 3) uint8 picture when the animation is written.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np

MAX_FRAMES = 100  # 10 s of animation at the writers' default 10 frames per second


class FrameRecorder:
    """``offer(step, frame)`` as the run goes; ``images()`` for the writers.

    Thread-safe: a page offers frames from its script thread while a download renders them from
    another.
    """

    def __init__(self, render: Callable[[int, Any], np.ndarray], *, every: int = 1, max_frames: int = MAX_FRAMES):
        if every < 1:
            raise ValueError(f"every: must be >= 1, got {every}")
        if max_frames < 2:
            raise ValueError(f"max_frames: must be >= 2, got {max_frames}")
        self.render = render
        self.every = self._initial_every = int(every)
        self.max_frames = int(max_frames)
        self._kept: list[tuple[int, Any]] = []
        self._latest: tuple[int, Any] | None = None
        self._lock = threading.Lock()

    def due(self, step: int) -> bool:
        """Whether a frame at ``step`` would be kept at the cadence (a source can skip computing
        frames that are not)."""
        with self._lock:
            return self._due(step)

    def _due(self, step: int) -> bool:
        return not self._kept or step >= self._kept[-1][0] + self.every

    def offer(self, step: int, frame: Any) -> None:
        """A frame of the run at ``step``: kept if due, else held as the latest. A step before the
        last one kept means a new run: the old frames go."""
        with self._lock:
            if self._kept and step < self._kept[-1][0]:
                self._clear()
            if self._due(step):
                self._kept.append((step, frame))
                self._latest = None
                if len(self._kept) > self.max_frames:
                    self._thin()
            elif not self._kept or step > self._kept[-1][0]:
                self._latest = (step, frame)

    def _thin(self) -> None:
        """Every other frame, from the first (the animation still starts at the start); the newest,
        if that drops it, stays as the latest."""
        newest = self._kept[-1]
        self._kept = self._kept[::2]
        self.every *= 2
        if self._kept[-1] is not newest:
            self._latest = newest

    def frames(self) -> list[tuple[int, Any]]:
        """(step, frame) pairs in step order: the kept ones, then the latest if it is newer."""
        with self._lock:
            return self._kept + ([self._latest] if self._latest is not None else [])

    def images(self) -> list[np.ndarray]:
        """Every frame rendered, oldest first."""
        return [self.render(step, frame) for step, frame in self.frames()]

    def clear(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._kept, self._latest, self.every = [], None, self._initial_every

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept) + (self._latest is not None)
