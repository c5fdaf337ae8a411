"""NAB's per-row weights: where each row sits relative to the labelled windows.

NAB scores a detection by where it falls. Inside a window a detection earns a scaled
sigmoid of its position, +1 (times the profile's TP weight) at the window's left edge,
about 0 at its right edge. Outside every window a detection costs the FP weight, scaled by
a sigmoid of its distance past the previous window (a full -1 before the first window and
more than three window widths after one). The first 15 % of the rows (at most 750) are a
probation period and are never scored. These weights depend only on the timestamps and
the windows, so they are computed once per file and reused for every threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.nab.errors import NABError

__all__ = [
    "OUTSIDE",
    "PROBATION",
    "FileSweep",
    "Profile",
    "probation_length",
    "scaled_sigmoid",
]

OUTSIDE = -1
"""The window index of a scored row outside every window."""
PROBATION = -2
"""The window index of a row in the probation period."""

_PROBATION_PERCENT = 0.15
_PROBATION_CAP_ROWS = 5000  # NAB caps probation at 15 % of 5000 rows


@dataclass(frozen=True, slots=True)
class Profile:
    """One NAB scoring profile: the weights of true positives, false positives and misses."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float
    tn_weight: float = 1.0


def scaled_sigmoid(position: float) -> float:
    """Return NAB's scaled sigmoid of a relative position (-1 at a window's left edge).

    >>> round(scaled_sigmoid(0.0), 6)
    0.0
    >>> scaled_sigmoid(3.5)
    -1.0
    """
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probation_length(rows: int, percent: float = _PROBATION_PERCENT) -> int:
    """Return how many leading rows NAB leaves unscored in a file of ``rows`` rows."""
    return int(min(math.floor(percent * rows), percent * _PROBATION_CAP_ROWS))


@dataclass(frozen=True)
class FileSweep:
    """One file's rows as NAB sees them: the window of each row and its unweighted score.

    ``window[i]`` is the index of the window row ``i`` falls in, :data:`OUTSIDE` or
    :data:`PROBATION`; ``reward[i]`` is the TP reward of a detection in a window (1 at its
    left edge) and ``cost[i]`` the FP cost of a detection outside (-1 at worst), both before
    the profile's weights. ``windows`` is the number of windows the file has; ``scored``
    lists those with at least one row after the probation period.
    """

    name: str
    timestamps: NDArray[np.float64]
    window: NDArray[np.int64]
    reward: NDArray[np.float64]
    cost: NDArray[np.float64]
    window_starts: NDArray[np.int64]
    windows: int
    scored: tuple[int, ...]

    @property
    def rows(self) -> int:
        """The number of rows in the file."""
        return len(self.timestamps)

    @classmethod
    def build(
        cls,
        name: str,
        timestamps: NDArray[np.float64],
        windows: Sequence[tuple[float, float]],
        probation_percent: float = _PROBATION_PERCENT,
    ) -> FileSweep:
        """Lay ``windows`` (start and end timestamps, inclusive) over ``timestamps``."""
        times = np.asarray(timestamps, dtype=np.float64)
        bounds = [_edges(name, times, start, end) for start, end in windows]
        window = np.full(len(times), OUTSIDE, dtype=np.int64)
        reward = np.zeros(len(times))
        cost = np.full(len(times), -1.0)
        max_tp = scaled_sigmoid(-1.0)
        for k, (left, right) in enumerate(bounds):
            width = right - left + 1
            rows = np.arange(left, right + 1)
            window[left : right + 1] = k
            reward[left : right + 1] = [scaled_sigmoid(-(right - i + 1) / width) for i in rows]
            reward[left : right + 1] /= max_tp
            cost[left : right + 1] = 0.0
            stop = bounds[k + 1][0] if k + 1 < len(bounds) else len(times)
            after = np.arange(right + 1, stop)
            if width > 1:  # NAB divides by width - 1; a one-row window has no sigmoid after it
                cost[right + 1 : stop] = [scaled_sigmoid((i - right) / (width - 1)) for i in after]
        probation = probation_length(len(times), probation_percent)
        window[:probation] = PROBATION
        scored = tuple(sorted({int(k) for k in window[window >= 0]}))
        starts = np.array([left for left, _ in bounds], dtype=np.int64)
        return cls(name, times, window, reward, cost, starts, len(bounds), scored)

    def weights(self, profile: Profile) -> NDArray[np.float64]:
        """Return each row's weighted score as a detection under ``profile``."""
        inside = self.window >= 0
        return np.where(inside, self.reward * profile.tp_weight, self.cost * profile.fp_weight)


def _edges(name: str, times: NDArray[np.float64], start: float, end: float) -> tuple[int, int]:
    """Return the row indices of a window's first and last timestamps."""
    found = []
    for edge in (start, end):
        index = int(np.searchsorted(times, edge))
        if index >= len(times) or times[index] != edge:
            raise NABError(f"{name}: window edge {edge!r} is not a timestamp of the file")
        found.append(index)
    if found[1] < found[0]:
        raise NABError(f"{name}: window ends ({end!r}) before it starts ({start!r})")
    return found[0], found[1]
