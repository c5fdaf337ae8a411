"""``deriv``, ``predict_linear`` and ``holt_winters``: trends fitted to each window.

``deriv`` and ``predict_linear`` fit a least-squares line as Prometheus 2.42 does: time
in seconds from an origin (the window's first sample for ``deriv``, the evaluation time
for ``predict_linear``, whose intercept is then the fitted value at that time), sums
compensated by Kahan-Neumaier, and a window whose values are all equal has slope 0 (NaN
if they are infinite).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from dos.errors import QueryError
from dos.promql.nodes import EvalContext, expect_scalar
from dos.promql.overtime import kahan_step
from dos.promql.rates import milliseconds, windows_arg
from dos.promql.values import RangeWindows, Value, Vector

__all__ = ["deriv", "holt_winters", "predict_linear"]

Array = NDArray[np.float64]


def deriv(ctx: EvalContext, args: list[Value]) -> Value:
    """Per-second slope of each window's least-squares line."""
    windows = windows_arg(args)
    windows = windows.take(windows.counts >= 2)
    if not len(windows):
        return Vector.empty()
    first = windows.times_at(np.zeros(len(windows), dtype=np.intp))
    slope, _ = _fit(windows, milliseconds(first))
    return Vector(windows.unnamed, slope)


def predict_linear(ctx: EvalContext, args: list[Value]) -> Value:
    """Each window's least-squares line, read ``seconds`` after the evaluation time."""
    windows = windows_arg(args)
    seconds = expect_scalar(ctx, args[1])
    windows = windows.take(windows.counts >= 2)
    if not len(windows):
        return Vector.empty()
    origin = np.full(len(windows), milliseconds(ctx.time))
    slope, intercept = _fit(windows, origin)
    return Vector(windows.unnamed, slope * seconds + intercept)


def _fit(windows: RangeWindows, origin_ms: Array) -> tuple[Array, Array]:
    """Return the slope and intercept of each window's line, time measured from ``origin``."""
    values, mask = windows.values, windows.mask()
    x = (milliseconds(windows.times) - origin_ms[:, None]) / 1e3
    size = len(values)
    sums = {name: (np.zeros(size), np.zeros(size)) for name in ("x", "y", "xy", "x2")}
    for k in range(values.shape[1]):
        active, xk, yk = mask[:, k], x[:, k], values[:, k]
        for name, term in (("x", xk), ("y", yk), ("xy", xk * yk), ("x2", xk * xk)):
            sums[name] = kahan_step(term, *sums[name], active)
    sum_x, sum_y, sum_xy, sum_x2 = (total + carry for total, carry in sums.values())
    n = windows.counts.astype(np.float64)
    slope = (sum_xy - sum_x * sum_y / n) / (sum_x2 - sum_x * sum_x / n)
    intercept = sum_y / n - slope * sum_x / n
    first = values[:, :1]
    constant = ((values == first) | ~mask).all(axis=1)
    infinite = np.isinf(first[:, 0])
    slope = np.where(constant, np.where(infinite, math.nan, 0.0), slope)
    intercept = np.where(constant, np.where(infinite, math.nan, first[:, 0]), intercept)
    return slope, intercept


def holt_winters(ctx: EvalContext, args: list[Value]) -> Value:
    """Double exponential smoothing of each window with smoothing and trend factors."""
    windows = windows_arg(args)
    smoothing = expect_scalar(ctx, args[1])
    trend = expect_scalar(ctx, args[2])
    for name, short, factor in (("smoothing", "sf", smoothing), ("trend", "tf", trend)):
        if not 0 < factor < 1:
            raise QueryError(
                ctx.expr, f"invalid {name} factor. Expected: 0 < {short} < 1, got: {factor:f}"
            )
    windows = windows.take(windows.counts >= 2)
    out = [_smooth(windows.row(i)[1].tolist(), smoothing, trend) for i in range(len(windows))]
    return Vector(windows.unnamed, np.array(out, dtype=np.float64))


def _smooth(values: list[float], sf: float, tf: float) -> float:
    previous, level = 0.0, values[0]
    slope = values[1] - values[0]
    for i, value in enumerate(values[1:], start=1):
        if i > 1:
            slope = tf * (level - previous) + (1 - tf) * slope
        previous, level = level, sf * value + (1 - sf) * (level + slope)
    return level
