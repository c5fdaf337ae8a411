"""Recorded series and the checks every reader applies to them.

Bad input is never scored silently:

- a missing or unreadable timestamp, or a value that is not a number, is rejected with
  its row number (rows count from 1 after the header);
- duplicate timestamps are rejected, naming both rows;
- unsorted rows are sorted by time (stably) and the series says how many moved;
- empty or NaN values are gaps: kept as NaN (detectors skip them) and counted, with the
  longest run of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.errors import DOSError

__all__ = ["ReplayError", "Series", "check_series"]


class ReplayError(DOSError, ValueError):
    """A recorded series cannot be replayed; the message names the source and the row."""


@dataclass(frozen=True)
class Series:
    """One recorded series: times in seconds since the epoch, values, and what was fixed."""

    name: str
    times: NDArray[np.float64]
    values: NDArray[np.float64]
    reordered: int = 0
    gaps: int = 0
    longest_gap: int = 0

    def __len__(self) -> int:
        return len(self.times)


def check_series(
    name: str, times: NDArray[np.float64], values: NDArray[np.float64], rows: NDArray[np.int64]
) -> Series:
    """Validate, sort and describe a series read from ``name`` (``rows``: source row numbers)."""
    bad = np.flatnonzero(~np.isfinite(times))
    if len(bad):
        raise ReplayError(f"{name}: row {rows[bad[0]]}: missing or unreadable timestamp")
    order = np.argsort(times, kind="stable")
    moved = int(np.sum(order != np.arange(len(order))))
    times, values, rows = times[order], values[order], rows[order]
    same = np.flatnonzero(np.diff(times) == 0)
    if len(same):
        first, second = sorted((int(rows[same[0]]), int(rows[same[0] + 1])))
        raise ReplayError(f"{name}: rows {first} and {second}: duplicate timestamp")
    gaps = np.isnan(values)
    return Series(name, times, values, moved, int(gaps.sum()), _longest_run(gaps))


def _longest_run(mask: NDArray[np.bool_]) -> int:
    if not mask.any():
        return 0
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int(np.max(ends - starts))
