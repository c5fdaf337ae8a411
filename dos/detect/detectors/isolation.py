"""A multivariate detector over a service's feature vector: an isolation forest.

Each sample is a vector (CPU, memory, error ratio, p99 latency, request rate, ...). The
forest (scikit-learn's :class:`~sklearn.ensemble.IsolationForest`, seeded) is fitted on
the last ``window`` vectors and refitted every ``refit_every`` samples, so it follows the
service's normal behaviour; until ``min_samples`` vectors are seen every score is 0.
The score is the forest's anomaly score (``-score_samples``), about 0.5 for ordinary
points and towards 1 for isolated ones. Features are scaled by the window's median and
interquartile range first, so no single unit dominates.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.ensemble import IsolationForest

from dos.errors import ConfigError

__all__ = ["IsolationForestDetector"]


@dataclass
class IsolationForestDetector:
    """Score feature vectors with an isolation forest refitted on a rolling window."""

    key: ClassVar[str] = "isolation_forest"
    window: int = 480
    refit_every: int = 40
    min_samples: int = 120
    trees: int = 100
    seed: int = 0
    _history: deque[NDArray[np.float64]] = field(init=False, repr=False)
    _forest: Any = field(init=False, default=None, repr=False)
    _centre: NDArray[np.float64] | None = field(init=False, default=None, repr=False)
    _scale: NDArray[np.float64] | None = field(init=False, default=None, repr=False)
    _since_fit: int = field(init=False, default=0, repr=False)
    _fitted: list[list[float]] = field(init=False, default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.min_samples < 2 or self.min_samples > self.window:
            raise ConfigError(
                "isolation_forest.min_samples", self.min_samples, f"2 to window ({self.window})"
            )
        if self.refit_every < 1:
            raise ConfigError("isolation_forest.refit_every", self.refit_every, "1 or more")
        self._history = deque(maxlen=self.window)

    def update(self, t: float, vector: ArrayLike) -> float:
        """Score one feature vector, then learn from it (NaN features count as 0)."""
        x = np.nan_to_num(np.asarray(vector, dtype=np.float64).ravel())
        score = 0.0
        if self._forest is not None and self._centre is not None and self._scale is not None:
            scaled = ((x - self._centre) / self._scale).reshape(1, -1)
            score = float(-self._forest.score_samples(scaled)[0])
        self._history.append(x)
        self._since_fit += 1
        if len(self._history) >= self.min_samples and (
            self._forest is None or self._since_fit >= self.refit_every
        ):
            self._fit()
        return score

    def update_many(self, times: ArrayLike, vectors: ArrayLike) -> NDArray[np.float64]:
        """Score a run of vectors (rows) in order; the same as ``update`` on each."""
        rows = np.asarray(vectors, dtype=np.float64)
        return np.array(
            [self.update(t, row) for t, row in zip(np.asarray(times), rows, strict=True)]
        )

    def state(self) -> dict[str, Any]:
        """Return the settings and the window of vectors the forest is fitted on."""
        return {
            "key": self.key,
            "settings": {
                "window": self.window,
                "refit_every": self.refit_every,
                "min_samples": self.min_samples,
                "trees": self.trees,
                "seed": self.seed,
            },
            "state": {
                "history": [v.tolist() for v in self._history],
                "fitted": [list(row) for row in self._fitted],
                "since_fit": self._since_fit,
            },
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> IsolationForestDetector:
        """Rebuild a detector from :meth:`state`; the seeded forest is refitted identically."""
        detector = cls(**data["settings"])
        for row in data["state"]["history"]:
            detector._history.append(np.asarray(row, dtype=np.float64))
        if data["state"]["fitted"]:
            detector._fit(np.asarray(data["state"]["fitted"], dtype=np.float64))
        detector._since_fit = int(data["state"]["since_fit"])
        return detector

    def _fit(self, data: NDArray[np.float64] | None = None) -> None:
        if data is None:
            data = np.vstack(self._history)
        centre = np.median(data, axis=0)
        q1, q3 = np.percentile(data, [25, 75], axis=0)
        spread = np.abs(centre) * 0.05 + 1e-9
        scale = np.maximum(q3 - q1, spread)
        forest = IsolationForest(n_estimators=self.trees, random_state=self.seed)
        forest.fit((data - centre) / scale)
        self._forest, self._centre, self._scale, self._since_fit = forest, centre, scale, 0
        self._fitted = data.tolist()
