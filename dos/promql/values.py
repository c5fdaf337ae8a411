"""The values a PromQL expression evaluates to, public and internal.

Inside the engine an instant vector is a list of label tuples beside a numpy array of
values (:class:`Vector`), and a range vector is a padded matrix of windows
(:class:`RangeWindows`); callers get :class:`Sample` and :class:`RangeSeries` records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from dos.errors import QueryError
from dos.telemetry import Labels

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
        # Counting is the fastest way numpy has to tell none, some or all.
        kept = np.count_nonzero(keep)
        if not kept:
            return Vector.empty()  # an alert's condition, most of the time
        if kept == len(keep):
            return self
        return Vector(
            [lbl for lbl, k in zip(self.labels, keep.tolist(), strict=True) if k],
            self.values[keep],
        )


@dataclass(slots=True)
class RangeWindows:
    """A range vector at one instant: each series' samples in ``[start, end]``.

    Row ``i`` holds series ``i``'s window left-aligned: ``values[i, :counts[i]]``, stale
    markers already dropped; values past a row's count are NaN. ``times`` has the same
    shape, or a single row when every window's samples share their times (series of one
    block); ``uniform`` says that, moreover, every window is full (no padding). Every row
    holds at least one sample. ``resets`` flags the rows that may hold a counter reset
    (None: not known, look).
    """

    labels: list[Labels]
    unnamed: list[Labels]
    times: NDArray[np.float64]
    values: NDArray[np.float64]
    counts: NDArray[np.intp]
    start: float
    end: float
    range: float
    resets: NDArray[np.bool_] | None = None
    uniform: bool = False

    def __len__(self) -> int:
        return len(self.labels)

    def mask(self) -> NDArray[np.bool_]:
        """Return which entries of ``values`` are samples."""
        return np.arange(self.values.shape[1]) < self.counts[:, None]

    def times_at(self, columns: NDArray[np.intp]) -> NDArray[np.float64]:
        """Return ``times[i, columns[i]]`` for every window ``i``."""
        out: NDArray[np.float64]
        if len(self.times) == 1:
            out = self.times[0, columns]
        else:
            out = self.times[np.arange(len(columns)), columns]
        return out

    def last(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return each window's newest sample's time and value."""
        ends = self.counts - 1
        return self.times_at(ends), self.values[np.arange(len(ends)), ends]

    def row(self, i: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return window ``i``'s times and values."""
        count = int(self.counts[i])
        times = self.times[0 if len(self.times) == 1 else i]
        return times[:count], self.values[i, :count]

    def take(self, keep: NDArray[np.bool_]) -> RangeWindows:
        """Return the windows where ``keep`` is true."""
        if np.count_nonzero(keep) == len(keep):
            return self
        rows = np.flatnonzero(keep).tolist()
        return RangeWindows(
            [self.labels[i] for i in rows],
            [self.unnamed[i] for i in rows],
            self.times if len(self.times) == 1 else self.times[keep],
            self.values[keep],
            self.counts[keep],
            self.start,
            self.end,
            self.range,
            None if self.resets is None else self.resets[keep],
            self.uniform,
        )


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
        # Lists known to be free of duplicates, and lists with their names dropped: held
        # here so that their ids stay theirs.
        self._unique: dict[int, list[Labels]] = {}
        self._dropped: dict[int, tuple[list[Labels], list[Labels]]] = {}
        self._per_list: dict[tuple[str, int], tuple[list[Labels], object]] = {}

    def lookup(self, table: str, labels: Labels, compute: Callable[[Labels], T]) -> T:
        """Return ``compute(labels)``, memoised in ``table``; ``compute`` must be pure."""
        memo = self._tables.setdefault(table, {})
        if labels in memo:
            return cast(T, memo[labels])
        if len(memo) >= self._limit:
            memo.clear()
        out = memo[labels] = compute(labels)
        return out

    def per_list(
        self, table: str, labels: list[Labels], compute: Callable[[list[Labels]], T]
    ) -> T:
        """Return ``compute(labels)``, memoised for this very list object in ``table``."""
        key = (table, id(labels))
        entry = self._per_list.get(key)
        if entry is not None and entry[0] is labels:
            return cast(T, entry[1])
        if len(self._per_list) >= 256:
            self._per_list.clear()
        out = compute(labels)
        self._per_list[key] = (labels, out)
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
        """Return each label set of ``labels`` without ``__name__``.

        The same list in gives the same list out, so that memos further up hold.
        """
        entry = self._dropped.get(id(labels))
        if entry is not None and entry[0] is labels:
            return entry[1]
        out = [self.drop_name(lbl) for lbl in labels]
        if len(self._dropped) >= 64:
            self._dropped.clear()
        self._dropped[id(labels)] = (labels, out)
        return out

    def check_unique(self, expr: str, labels: list[Labels]) -> None:
        """Raise Prometheus' error when two elements share a label set; remember lists seen."""
        if self._unique.get(id(labels)) is labels:
            return
        check_unique(expr, labels)
        if len(self._unique) >= 64:
            self._unique.clear()
        self._unique[id(labels)] = labels


def check_unique(expr: str, labels: list[Labels]) -> None:
    """Raise Prometheus' error when two elements of a result share a label set."""
    if len(set(labels)) != len(labels):
        raise QueryError(expr, "vector cannot contain metrics with the same labelset")
