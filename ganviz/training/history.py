"""A bounded, thread-safe record of training metrics.

Memory stays bounded however long a run goes: when the record is full, every other entry is
dropped and from then on only every ``stride``-th step is kept, so the curves always span the
whole run at a resolution that halves as it grows.
"""
from __future__ import annotations

import threading

import numpy as np


class History:
    def __init__(self, capacity: int = 2000):
        self.capacity = int(capacity)
        self.stride = 1
        self.columns: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def extend(self, steps: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Add one record per step; ``values`` maps a metric name to an array like ``steps``."""
        with self._lock:
            for i, step in enumerate(steps.tolist()):
                if step % self.stride:
                    continue
                self.columns.setdefault("step", []).append(int(step))
                for name, column in values.items():
                    self.columns.setdefault(name, []).append(float(column[i]))
                if len(self.columns["step"]) > self.capacity:
                    self._thin()

    def _thin(self) -> None:
        self.stride *= 2
        keep = [i for i, s in enumerate(self.columns["step"]) if s % self.stride == 0]
        self.columns = {k: [v[i] for i in keep] for k, v in self.columns.items()}

    def as_dict(self) -> dict[str, list[float]]:
        with self._lock:
            return {k: list(v) for k, v in self.columns.items()}

    def last(self) -> dict[str, float]:
        with self._lock:
            return {k: v[-1] for k, v in self.columns.items() if v}

    def clear(self) -> None:
        with self._lock:
            self.columns, self.stride = {}, 1

    def __len__(self) -> int:
        return len(self.columns.get("step", []))
