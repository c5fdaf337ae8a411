"""The values a PromQL expression evaluates to, public and internal.

Inside the engine an instant vector is a list of label tuples beside a numpy array of
values (:class:`Vector`), and a range vector is a set of windows into the store's series
(:class:`RangeWindows`); callers get :class:`Sample` and :class:`RangeSeries` records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from dos.errors import QueryError
from dos.telemetry import Labels, is_stale
from dos.tsdb import Series

__all__ = [
    "LabelCache",
    "RangeSeries",
    "RangeWindows",
    "Sample",
    "Value",
    "Vector",
    "check_unique",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sample:
    """One element of an instant query's result; a scalar result has empty labels."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class RangeSeries:
    """One series of a range query's result: a value at each step where it had one."""

    labels: Mapping[str, str]
    timestamps: NDArray[np.float64]
    values: NDArray[np.float64]


@dataclass(slots=True)
class Vector:
    """An instant vector: ``labels[i]`` carries ``values[i]``."""

    labels: list[Labels]
    values: NDArray[np.float64]

    @classmethod
    def empty(cls) -> Vector:
        """Return a vector with no elements."""
        return cls([], np.empty(0))

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, keep: NDArray[np.bool_]) -> Vector:
        """Return the elements where ``keep`` is true."""
        if keep.all():
            return self
        return Vector(
            [lbl for lbl, k in zip(self.labels, keep.tolist(), strict=True) if k],
            self.values[keep],
        )


@dataclass(slots=True)
class RangeWindows:
    """A range vector at one instant: for each series, its samples in ``[start, end]``.

    ``lo[i]:hi[i]`` indexes series ``i``'s buffers; stale markers inside that slice are not
    part of the window (``samples`` drops them).
    """

    series: list[Series]
    lo: list[int]
    hi: list[int]
    start: float
    end: float
    range: float
    _flat: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]] | None = field(
        default=None, repr=False
    )

    def samples(self, i: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return window ``i``'s times and values, stale markers dropped."""
        s = self.series[i]
        times = s.timestamps[self.lo[i] : self.hi[i]]
        values = s.values[self.lo[i] : self.hi[i]]
        if s.last_stale_index >= self.lo[i]:
            keep = ~_stale_mask(values)
            times, values = times[keep], values[keep]
        return times, values

    def flat(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
        """Return every window's times and values end to end, and each window's length."""
        if self._flat is None:
            pairs = [self.samples(i) for i in range(len(self.series))]
            if pairs:
                times = np.concatenate([p[0] for p in pairs])
                values = np.concatenate([p[1] for p in pairs])
            else:
                times, values = np.empty(0), np.empty(0)
            sizes = np.fromiter((len(p[0]) for p in pairs), dtype=np.intp, count=len(pairs))
            self._flat = (times, values, sizes)
        return self._flat


def _stale_mask(values: NDArray[np.float64]) -> NDArray[np.bool_]:
    mask = np.isnan(values)
    if mask.any():
        mask[mask] = [is_stale(v) for v in values[mask].tolist()]
    return mask


Value = float | str | Vector | RangeWindows
"""What a node evaluates to: a scalar, a string, an instant vector or a range vector."""


class LabelCache:
    """Memoised label-set computations shared by every expression of one engine.

    Bounded: a table is dropped when it grows past ``limit`` entries (series churn).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self._without_name: dict[Labels, Labels] = {}
        self._tables: dict[str, dict[Labels, object]] = {}
        self._limit = limit

    def lookup(self, table: str, labels: Labels, compute: Callable[[Labels], T]) -> T:
        """Return ``compute(labels)``, memoised in ``table``; ``compute`` must be pure."""
        memo = self._tables.setdefault(table, {})
        if labels in memo:
            return cast(T, memo[labels])
        if len(memo) >= self._limit:
            memo.clear()
        out = memo[labels] = compute(labels)
        return out

    def drop_name(self, labels: Labels) -> Labels:
        """Return ``labels`` without ``__name__``."""
        out = self._without_name.get(labels)
        if out is None:
            if len(self._without_name) >= self._limit:
                self._without_name.clear()
            out = tuple(pair for pair in labels if pair[0] != "__name__")
            self._without_name[labels] = out
        return out

    def drop_names(self, labels: list[Labels]) -> list[Labels]:
        """Return each label set of ``labels`` without ``__name__``."""
        return [self.drop_name(lbl) for lbl in labels]


def check_unique(expr: str, labels: list[Labels]) -> None:
    """Raise Prometheus' error when two elements of a result share a label set."""
    if len(set(labels)) != len(labels):
        raise QueryError(expr, "vector cannot contain metrics with the same labelset")
