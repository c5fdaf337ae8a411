"""Instant and range vector selectors: how PromQL reads the store.

Semantics are Prometheus 2.42's. A selector reads the store at its reference time: the
evaluation time (or the time its ``@`` modifier names) minus its ``offset``. An instant
selector takes each series' newest sample in ``[ref - lookback, ref]`` unless that sample
is a stale marker; a range selector takes the samples in ``[ref - range, ref]``, both ends
included, stale markers dropped.

Series that share a block of the store are read together: one search finds the window's
rows for all of them and one slice takes their values.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from dos.promql.nodes import EvalContext, Kind, Node
from dos.promql.values import RangeWindows, Value, Vector
from dos.tsdb import Group, Matcher, Selection, stale_mask

__all__ = ["At", "MatrixSelectorNode", "VectorSelectorNode", "read_windows", "reference_time"]

At = float | Literal["start", "end"] | None
"""An ``@`` modifier: a time, ``start()``, ``end()``, or none."""


def reference_time(ctx: EvalContext, at: At, offset: float) -> float:
    """Return the time a selector (or subquery) with ``at`` and ``offset`` reads at."""
    if at is None:
        base = ctx.time
    elif at == "start":
        base = ctx.start
    elif at == "end":
        base = ctx.end
    else:
        base = at
    # Prometheus counts time in whole milliseconds.
    return (round(base * 1000) - round(offset * 1000)) / 1000


class VectorSelectorNode(Node):
    """``metric{label="value"} offset d @ t``."""

    kind = Kind.VECTOR

    def __init__(self, matchers: tuple[Matcher, ...], offset: float, at: At = None) -> None:
        self.matchers = matchers
        self.offset = offset
        self.at = at

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return each matching series' newest sample within the lookback."""
        selection = ctx.store.selection(self.matchers)
        _, values, keep = self._read(ctx, selection)
        if keep is None:
            return Vector(selection.labels, values)
        return Vector(selection.labels, values).take(keep)

    def latest(
        self, ctx: EvalContext, selection: Selection
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """Return each series' newest sample's time and value, and which series have one."""
        times, values, keep = self._read(ctx, selection)
        size = len(selection.series)
        return (
            np.full(size, times) if isinstance(times, float) else times,
            values,
            np.ones(size, dtype=bool) if keep is None else keep,
        )

    def _read(self, ctx: EvalContext, selection: Selection) -> _Latest:
        ref = reference_time(ctx, self.at, self.offset)
        oldest = ref - ctx.lookback
        if len(selection.groups) == 1:
            return _latest(selection.groups[0], ref, oldest)
        size = len(selection.series)
        times, values = np.empty(size), np.empty(size)
        keep = np.empty(size, dtype=bool)
        for group in selection.groups:
            t, v, k = _latest(group, ref, oldest)
            rows = group.positions
            times[rows], values[rows] = t, v
            keep[rows] = True if k is None else k
        return times, values, keep


_Latest = tuple[NDArray[np.float64] | float, NDArray[np.float64], NDArray[np.bool_] | None]
"""Each series' newest sample's time (one time for all, if they share it), its value, and
which series have one (None: all of them)."""


def _latest(group: Group, ref: float, oldest: float) -> _Latest:
    block, columns = group.block, group.columns
    row = int(block.times[: block.rows].searchsorted(ref, side="right")) - 1
    sizes = block.sizes[columns]
    if row >= 0 and not np.count_nonzero(sizes <= row):
        # Every series has a sample in this row: the common case, one time for all.
        t = block.times.item(row)
        values = block.values[row, columns]
        if t < oldest:
            return t, values, np.zeros(len(columns), dtype=bool)
        if block.newest_stale < row:
            return t, values, None
        return t, values, ~stale_mask(values)
    index = np.minimum(row, sizes - 1)
    times = block.times[index]
    values = block.values[index, columns]
    keep = (index >= 0) & (times >= oldest) & ~stale_mask(values)
    return times, values, keep


class MatrixSelectorNode(Node):
    """``metric{label="value"}[range] offset d @ t``."""

    kind = Kind.MATRIX

    def __init__(self, selector: VectorSelectorNode, range_: float) -> None:
        self.selector = selector
        self.range = range_

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return each matching series' window of samples (empty windows left out)."""
        end = reference_time(ctx, self.selector.at, self.selector.offset)
        start = (round(end * 1000) - round(self.range * 1000)) / 1000
        selection = ctx.store.selection(self.selector.matchers)
        return read_windows(selection, start, end, self.range)


def read_windows(selection: Selection, start: float, end: float, range_: float) -> RangeWindows:
    """Return the windows ``[start, end]`` of the selected series that hold a sample."""
    parts = [_group_windows(g, start, end) for g in selection.groups]
    uniform = False
    if len(parts) == 1:
        times, values, counts, resets, uniform = parts[0]
    elif parts:
        times, values, counts, resets = _assemble(selection, parts)
    else:
        times, values = np.empty((0, 0)), np.empty((0, 0))
        counts, resets = np.empty(0, dtype=np.intp), np.empty(0, dtype=bool)
    windows = RangeWindows(
        selection.labels,
        selection.unnamed,
        times,
        values,
        counts,
        start,
        end,
        range_,
        resets,
        uniform and values.shape[1] > 0,
    )
    return windows if windows.uniform else windows.take(counts > 0)


_Part = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp], NDArray[np.bool_], bool]


def _group_windows(group: Group, start: float, end: float) -> _Part:
    """Return one group's windows: times, values, counts, which may hold a reset, and
    whether every window is full."""
    block, columns = group.block, group.columns
    held = block.times[: block.rows]
    lo = int(held.searchsorted(start, side="left"))
    hi = int(held.searchsorted(end, side="right"))
    width = max(hi - lo, 0)
    sizes = block.sizes[columns]
    values = block.values[lo : lo + width, columns].T
    times = held[None, lo : lo + width]
    full = not np.count_nonzero(sizes < hi)
    if full:
        counts = np.full(len(columns), width)  # written to only if stale markers are dropped
    else:
        counts = np.clip(sizes - lo, 0, width)
        values[np.arange(width) >= counts[:, None]] = np.nan
    if block.newest_stale >= lo:
        stale = (block.last_stale[columns] >= lo) & (counts > 0)
        if np.count_nonzero(stale):
            full = False
            times = np.repeat(times, len(columns), axis=0)
            for i in np.flatnonzero(stale).tolist():
                counts[i] = _drop_stale(times[i], values[i], int(counts[i]))
    if block.newest_reset > lo:
        return times, values, counts, block.last_reset[columns] > lo, full
    return times, values, counts, np.zeros(len(columns), dtype=bool), full


def _drop_stale(times: NDArray[np.float64], values: NDArray[np.float64], count: int) -> int:
    """Move one window's samples that are not stale markers to its front; return how many."""
    keep = ~stale_mask(values[:count])
    kept = int(keep.sum())
    times[:kept] = times[:count][keep]
    values[:kept] = values[:count][keep]
    values[kept:] = np.nan
    return kept


def _assemble(
    selection: Selection, parts: list[_Part]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp], NDArray[np.bool_]]:
    """Lay the groups' windows out in selection order, padded to the widest."""
    size = len(selection.series)
    width = max(p[1].shape[1] for p in parts)
    times = np.zeros((size, width))
    values = np.full((size, width), np.nan)
    counts = np.zeros(size, dtype=np.intp)
    resets = np.zeros(size, dtype=bool)
    for group, (t, v, c, r, _) in zip(selection.groups, parts, strict=True):
        rows = group.positions
        times[rows, : t.shape[1]] = t
        values[rows, : v.shape[1]] = v
        counts[rows] = c
        resets[rows] = r
    return times, values, counts, resets
