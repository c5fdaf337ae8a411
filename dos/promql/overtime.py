"""The ``*_over_time`` functions, ``changes`` and ``resets``: one value per series' window.

Windows are rows of a padded matrix and are folded column by column, so each step is one
numpy operation across all series while every series still sees its samples in order:
Prometheus' sequential loops (Kahan-Neumaier sums, running means, NaN-skipping max/min)
give bit-identical results this way. Every function but ``last_over_time`` drops the
metric name.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dos.promql.nodes import EvalContext, expect_scalar
from dos.promql.rates import windows_arg
from dos.promql.stats import quantile
from dos.promql.values import RangeWindows, Value, Vector

__all__ = [
    "avg_over_time",
    "changes",
    "count_over_time",
    "kahan_step",
    "last_over_time",
    "max_over_time",
    "min_over_time",
    "present_over_time",
    "quantile_over_time",
    "resets",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
]

Matrix = NDArray[np.float64]
Mask = NDArray[np.bool_]


def count_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Number of samples in each window."""
    windows = windows_arg(args)
    return Vector(windows.unnamed, windows.counts.astype(np.float64))


def present_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """1 for every series with a sample in its window."""
    windows = windows_arg(args)
    return Vector(windows.unnamed, np.ones(len(windows)))


def last_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Newest sample of each window; unlike the others it keeps the metric name."""
    windows = windows_arg(args)
    return Vector(windows.labels, windows.last()[1])


def sum_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Sum of each window, compensated as Prometheus 2.42 compensates it."""
    windows = windows_arg(args)
    matrix, mask = windows.values, windows.mask()
    total = np.zeros(len(matrix))
    carry = np.zeros(len(matrix))
    for k in range(matrix.shape[1]):
        total, carry = kahan_step(matrix[:, k], total, carry, mask[:, k])
    return Vector(windows.unnamed, np.where(np.isinf(total), total, total + carry))


def avg_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Mean of each window, as a compensated running mean that cannot overflow."""
    windows = windows_arg(args)
    matrix, mask = windows.values, windows.mask()
    mean = np.zeros(len(matrix))
    carry = np.zeros(len(matrix))
    for k in range(matrix.shape[1]):
        v = matrix[:, k]
        # An infinite mean stays put unless the new value can change it (NaN, -Inf).
        frozen = np.isinf(mean) & (
            (np.isinf(v) & ((mean > 0) == (v > 0))) | (~np.isinf(v) & ~np.isnan(v))
        )
        count = k + 1.0
        increment = v / count - mean / count
        mean, carry = kahan_step(increment, mean, carry, mask[:, k] & ~frozen)
    return Vector(windows.unnamed, np.where(np.isinf(mean), mean, mean + carry))


def stdvar_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Population variance of each window (Welford's method, compensated)."""
    windows = windows_arg(args)
    return Vector(windows.unnamed, _variance(windows))


def stddev_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Population standard deviation of each window."""
    windows = windows_arg(args)
    return Vector(windows.unnamed, np.sqrt(_variance(windows)))


def _variance(windows: RangeWindows) -> Matrix:
    matrix, mask = windows.values, windows.mask()
    size = len(matrix)
    mean, mean_carry = np.zeros(size), np.zeros(size)
    aux, aux_carry = np.zeros(size), np.zeros(size)
    for k in range(matrix.shape[1]):
        v = matrix[:, k]
        active = mask[:, k]
        delta = v - (mean + mean_carry)
        mean, mean_carry = kahan_step(delta / (k + 1.0), mean, mean_carry, active)
        spread = delta * (v - (mean + mean_carry))
        aux, aux_carry = kahan_step(spread, aux, aux_carry, active)
    out: Matrix = (aux + aux_carry) / windows.counts
    return out


def max_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Largest value of each window; NaN only if every value is NaN."""
    return _extreme(windows_arg(args), np.greater)


def min_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """Smallest value of each window; NaN only if every value is NaN."""
    return _extreme(windows_arg(args), np.less)


def _extreme(windows: RangeWindows, better: np.ufunc) -> Vector:
    if not len(windows):
        return Vector.empty()
    matrix, mask = windows.values, windows.mask()
    best = matrix[:, 0].copy()
    for k in range(1, matrix.shape[1]):
        v = matrix[:, k]
        take = mask[:, k] & (better(v, best) | np.isnan(best))
        best[take] = v[take]
    return Vector(windows.unnamed, best)


def quantile_over_time(ctx: EvalContext, args: list[Value]) -> Value:
    """The ``q``-quantile of each window, interpolated between the nearest samples."""
    q = expect_scalar(ctx, args[0])
    windows = windows_arg(args, 1)
    values = [quantile(q, windows.row(i)[1]) for i in range(len(windows))]
    return Vector(windows.unnamed, np.array(values, dtype=np.float64))


def changes(ctx: EvalContext, args: list[Value]) -> Value:
    """How many times each window's value changed (NaN to NaN is no change)."""
    windows = windows_arg(args)
    before, after = windows.values[:, :-1], windows.values[:, 1:]
    changed = (after != before) & ~(np.isnan(after) & np.isnan(before))
    counted = changed & windows.mask()[:, 1:]
    return Vector(windows.unnamed, counted.sum(axis=1).astype(np.float64))


def resets(ctx: EvalContext, args: list[Value]) -> Value:
    """How many times each window's value dropped (a counter reset)."""
    windows = windows_arg(args)
    dropped = windows.values[:, 1:] < windows.values[:, :-1]
    return Vector(windows.unnamed, dropped.sum(axis=1).astype(np.float64))


def kahan_step(
    increment: Matrix, total: Matrix, carry: Matrix, active: Mask
) -> tuple[Matrix, Matrix]:
    """Add ``increment`` to ``total`` where ``active``, compensating as Kahan and Neumaier do."""
    t = total + increment
    larger = np.abs(total) >= np.abs(increment)
    correction = np.where(larger, (total - t) + increment, (increment - t) + total)
    return np.where(active, t, total), np.where(active, carry + correction, carry)
