"""Series and the blocks that hold their samples.

Series scraped together share their timestamps, so they share storage: a :class:`Block`
holds one time column and one value column per series, and a query reads the window of
every series of a block with one search and one slice. A series whose samples stop
following its block's timestamps (it skipped a scrape, then came back) moves to a block
of its own, taking its history with it.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from dos.telemetry import STALE_NAN, Labels, is_stale
from dos.tsdb.errors import OutOfOrderSampleError, format_labels

__all__ = ["Block", "Series", "stale_mask"]

G = TypeVar("G", bound=np.generic)

_INITIAL_ROWS = 16
_STALE_BITS = np.array([STALE_NAN]).view(np.uint64)[0]


def stale_mask(values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Tell which of ``values`` are stale markers rather than ordinary numbers or NaNs."""
    out: NDArray[np.bool_] = (values != values) & (values.view(np.uint64) == _STALE_BITS)
    return out


class Block:
    """Samples of series that share timestamps: ``values[row, column]`` is at ``times[row]``.

    Column ``c`` holds a sample in each of its first ``sizes[c]`` rows; rows beyond are
    unwritten. ``last_stale``/``last_reset`` hold, per column, the row of the newest stale
    marker and of the newest value lower than the non-stale value before it (-1: none), and
    ``newest_stale``/``newest_reset`` the newest of those over all columns, so that queries
    can tell without reading samples that a window holds neither.
    """

    __slots__ = (
        "last_real",
        "last_reset",
        "last_stale",
        "newest_reset",
        "newest_stale",
        "rows",
        "sizes",
        "times",
        "values",
        "width",
    )

    def __init__(self, columns: int, rows: int = _INITIAL_ROWS) -> None:
        capacity = max(columns, 1)
        self.times: NDArray[np.float64] = np.empty(rows)
        self.values: NDArray[np.float64] = np.empty((rows, capacity))
        self.rows = 0
        """Rows in use."""
        self.width = columns
        """Columns in use."""
        self.sizes: NDArray[np.intp] = np.zeros(capacity, dtype=np.intp)
        self.last_stale: NDArray[np.intp] = np.full(capacity, -1, dtype=np.intp)
        self.last_reset: NDArray[np.intp] = np.full(capacity, -1, dtype=np.intp)
        self.last_real: NDArray[np.float64] = np.full(capacity, math.nan)
        self.newest_stale = -1
        self.newest_reset = -1

    @property
    def newest_time(self) -> float:
        """The newest row's time, -Inf for an empty block."""
        return self.times.item(self.rows - 1) if self.rows else -math.inf

    def add_column(self) -> int:
        """Open a new, empty column and return its index."""
        if self.width == len(self.sizes):
            self._widen()
        self.width += 1
        return self.width - 1

    def push_time(self, t: float) -> int:
        """Append a row at time ``t`` (newer than every row) and return its index."""
        if self.rows == len(self.times):
            self._lengthen()
        self.times[self.rows] = t
        self.rows += 1
        return self.rows - 1

    def write(self, row: int, column: int, value: float) -> None:
        """Store ``value`` as the next sample of ``column``, in ``row``."""
        self.values[row, column] = value
        self.sizes[column] = row + 1
        if value != value and is_stale(value):
            self.last_stale[column] = row
            self.newest_stale = max(self.newest_stale, row)
            return
        # A NaN on either side compares false, as in Prometheus' counter-reset test.
        if value < self.last_real.item(column):
            self.last_reset[column] = row
            self.newest_reset = max(self.newest_reset, row)
        self.last_real[column] = value

    def write_row(self, row: int, columns: NDArray[np.intp], values: NDArray[np.float64]) -> None:
        """Store ``values[i]`` as the next sample of ``columns[i]``, all in ``row``."""
        self.values[row, columns] = values
        self.sizes[columns] = row + 1
        real = columns
        real_values = values
        if np.count_nonzero(values != values):
            stale = stale_mask(values)
            if np.count_nonzero(stale):
                self.last_stale[columns[stale]] = row
                self.newest_stale = max(self.newest_stale, row)
                real, real_values = columns[~stale], values[~stale]
        with np.errstate(invalid="ignore"):
            reset = real_values < self.last_real[real]
        if np.count_nonzero(reset):
            self.last_reset[real[reset]] = row
            self.newest_reset = max(self.newest_reset, row)
        self.last_real[real] = real_values

    def split(self, column: int) -> Block:
        """Return a new one-column block holding ``column``'s samples."""
        size = int(self.sizes[column])
        out = Block(1, max(_INITIAL_ROWS, 2 * size))
        out.times[:size] = self.times[:size]
        out.values[:size, 0] = self.values[:size, column]
        out.rows = size
        out.sizes[0] = size
        out.last_stale[0] = self.last_stale[column]
        out.last_reset[0] = self.last_reset[column]
        out.last_real[0] = self.last_real[column]
        out.newest_stale = int(self.last_stale[column])
        out.newest_reset = int(self.last_reset[column])
        return out

    def _lengthen(self) -> None:
        capacity = 2 * len(self.times)
        times = np.empty(capacity)
        times[: self.rows] = self.times[: self.rows]
        values = np.empty((capacity, self.values.shape[1]))
        values[: self.rows] = self.values[: self.rows]
        self.times, self.values = times, values

    def _widen(self) -> None:
        capacity = 2 * len(self.sizes)
        values = np.empty((len(self.times), capacity))
        values[:, : self.width] = self.values[:, : self.width]
        self.values = values
        self.sizes = _extended(self.sizes, capacity, 0)
        self.last_stale = _extended(self.last_stale, capacity, -1)
        self.last_reset = _extended(self.last_reset, capacity, -1)
        self.last_real = _extended(self.last_real, capacity, math.nan)


def _extended(array: NDArray[G], capacity: int, fill: float) -> NDArray[G]:
    out: NDArray[G] = np.full(capacity, fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


class Series:
    """One series: its labels and a column of a block holding its samples in time order."""

    __slots__ = ("block", "column", "label_map", "labels", "name", "unnamed_labels")

    def __init__(self, labels: Labels, block: Block, column: int) -> None:
        self.labels = labels
        self.label_map = dict(labels)
        self.name = self.label_map.get("__name__", "")
        self.unnamed_labels: Labels = tuple(p for p in labels if p[0] != "__name__")
        """The labels without ``__name__``, as most PromQL functions return them."""
        self.block = block
        self.column = column

    def __len__(self) -> int:
        return int(self.block.sizes[self.column])

    def __repr__(self) -> str:
        return f"Series({format_labels(self.labels)}, {len(self)} samples)"

    @property
    def timestamps(self) -> NDArray[np.float64]:
        """The sample times (a read-only view, valid until the next append)."""
        view = self.block.times[: len(self)]
        view.flags.writeable = False
        return view

    @property
    def values(self) -> NDArray[np.float64]:
        """The sample values (a read-only view, valid until the next append)."""
        view = self.block.values[: len(self), self.column]
        view.flags.writeable = False
        return view

    @property
    def newest_time(self) -> float:
        """The newest sample's time, -Inf while the series is empty."""
        size = len(self)
        return self.block.times.item(size - 1) if size else -math.inf

    @property
    def newest_value(self) -> float:
        """The newest sample's value, NaN while the series is empty."""
        size = len(self)
        return self.block.values.item(size - 1, self.column) if size else math.nan

    @property
    def last_stale_index(self) -> int:
        """Index of the newest stale marker, -1 if none."""
        return int(self.block.last_stale[self.column])

    @property
    def last_reset_index(self) -> int:
        """Index of the newest sample lower than the non-stale sample before it, -1 if none."""
        return int(self.block.last_reset[self.column])

    def get(self, name: str) -> str:
        """Return label ``name``'s value, ``""`` when the series lacks it."""
        return self.label_map.get(name, "")

    def at(self, index: int) -> tuple[float, float]:
        """Return sample ``index`` (counted from 0, oldest first) as ``(time, value)``."""
        size = len(self)
        if not 0 <= index < size:
            raise IndexError(f"sample index {index} out of range for {size} samples")
        return self.block.times.item(index), self.block.values.item(index, self.column)

    def count_until(self, t: float) -> int:
        """Return how many samples are at or before time ``t``."""
        return int(np.searchsorted(self.block.times[: len(self)], t, side="right"))

    def count_before(self, t: float) -> int:
        """Return how many samples are strictly before time ``t``."""
        return int(np.searchsorted(self.block.times[: len(self)], t, side="left"))

    def append(self, t: float, value: float) -> bool:
        """Add one sample newer than every sample held.

        Return whether the series had to move to a block of its own to take it.
        """
        block = self.block
        size = int(block.sizes[self.column])
        if size == block.rows:
            if not t > block.newest_time:  # also refuses a NaN time
                raise OutOfOrderSampleError(self.labels, block.newest_time, t)
            block.write(block.push_time(t), self.column, value)
            return False
        if block.times.item(size) == t:
            # Another series of the block already holds this time: share it.
            block.write(size, self.column, value)
            return False
        newest = self.newest_time
        if not t > newest:
            raise OutOfOrderSampleError(self.labels, newest, t)
        self.block, self.column = block.split(self.column), 0
        self.block.write(self.block.push_time(t), 0, value)
        return True
