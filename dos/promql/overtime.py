"""The ``*_over_time`` functions: one value per series from its window of samples.

Windows are laid side by side in a padded matrix and folded column by column, so each
step is one numpy operation across all series while every series still sees its samples
in order: Prometheus' sequential loops (Kahan-Neumaier sums, a running mean, NaN-skipping
max/min) give bit-identical results this way.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from dos.promql.nodes import EvalContext
from dos.promql.values import RangeWindows, Value, Vector

__all__ = [
    "avg_over_time",
    "count_over_time",
    "last_over_time",
    "max_over_time",
    "min_over_time",
    "sum_over_time",
]

Matrix = NDArray[np.float64]
Mask = NDArray[np.bool_]


def count_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Number of samples in each window."""
    windows, present = _nonempty(args)
    sizes = windows.flat()[2][present]
    return _vector(ctx, windows, present, sizes.astype(np.float64))


def last_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Newest sample of each window; unlike the others it keeps the metric name."""
    windows, present = _nonempty(args)
    _, values, sizes = windows.flat()
    ends = np.cumsum(sizes)[present] - 1
    labels = [windows.series[i].labels for i in np.flatnonzero(present).tolist()]
    return Vector(labels, values[ends])


def sum_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Sum of each window, compensated as Prometheus 2.42 compensates it."""
    windows, present = _nonempty(args)
    matrix, mask = _padded(windows, present)
    total = np.zeros(len(matrix))
    carry = np.zeros(len(matrix))
    for k in range(matrix.shape[1]):
        total, carry = _kahan_step(matrix[:, k], total, carry, mask[:, k])
    result = np.where(np.isinf(total), total, total + carry)
    return _vector(ctx, windows, present, result)


def avg_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Mean of each window, as a compensated running mean that cannot overflow."""
    windows, present = _nonempty(args)
    matrix, mask = _padded(windows, present)
    mean = np.zeros(len(matrix))
    carry = np.zeros(len(matrix))
    with np.errstate(invalid="ignore"):
        for k in range(matrix.shape[1]):
            v = matrix[:, k]
            # An infinite mean stays put unless the new value can change it (NaN, -Inf).
            frozen = np.isinf(mean) & (
                (np.isinf(v) & ((mean > 0) == (v > 0))) | (~np.isinf(v) & ~np.isnan(v))
            )
            count = k + 1.0
            increment = v / count - mean / count
            mean, carry = _kahan_step(increment, mean, carry, mask[:, k] & ~frozen)
    result = np.where(np.isinf(mean), mean, mean + carry)
    return _vector(ctx, windows, present, result)


def max_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Largest value of each window; NaN only if every value is NaN."""
    return _extreme(ctx, args, np.greater)


def min_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Smallest value of each window; NaN only if every value is NaN."""
    return _extreme(ctx, args, np.less)


def _extreme(ctx: EvalContext, args: list[Value], better: np.ufunc) -> Value:
    windows, present = _nonempty(args)
    matrix, mask = _padded(windows, present)
    best = matrix[:, 0].copy()
    for k in range(1, matrix.shape[1]):
        v = matrix[:, k]
        take = mask[:, k] & (better(v, best) | np.isnan(best))
        best[take] = v[take]
    return _vector(ctx, windows, present, best)


def _kahan_step(
    increment: Matrix, total: Matrix, carry: Matrix, active: Mask
) -> tuple[Matrix, Matrix]:
    with np.errstate(invalid="ignore"):
        t = total + increment
        larger = np.abs(total) >= np.abs(increment)
        correction = np.where(larger, (total - t) + increment, (increment - t) + total)
    return np.where(active, t, total), np.where(active, carry + correction, carry)


def _nonempty(args: list[Value]) -> tuple[RangeWindows, Mask]:
    windows = args[0]
    assert isinstance(windows, RangeWindows)  # the parser checked the argument type
    return windows, windows.flat()[2] > 0


def _padded(windows: RangeWindows, present: Mask) -> tuple[Matrix, Mask]:
    """Return the non-empty windows as rows of a NaN-padded matrix and its validity mask."""
    _, values, sizes = windows.flat()
    kept = sizes[present]
    width = max(int(kept.max()) if len(kept) else 0, 1)
    mask = np.arange(width) < kept[:, None]
    matrix = np.full((len(kept), width), math.nan)
    # Row-major boolean assignment lays each window's samples along its row, in order.
    matrix[mask] = values[np.repeat(present, sizes)]
    return matrix, mask


def _vector(ctx: EvalContext, windows: RangeWindows, present: Mask, values: Matrix) -> Vector:
    rows = np.flatnonzero(present).tolist()
    labels = [windows.series[i].unnamed_labels for i in rows]
    return Vector(labels, np.asarray(values, dtype=np.float64))
