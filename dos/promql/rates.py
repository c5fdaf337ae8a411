"""``rate``, ``increase``, ``delta``, ``irate`` and ``idelta``, with Prometheus 2.42's arithmetic.

A window's increase is extrapolated to the window's edges unless the first or last sample
is further from its edge than 1.1 times the average sample interval, in which case it is
extrapolated by half an interval only; a counter is never extrapolated below zero.
Counter resets (a value lower than the one before) add the value before the reset, one
at a time in order, as Prometheus adds them. Durations are computed from whole
milliseconds, as Prometheus keeps time.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dos.promql.nodes import EvalContext
from dos.promql.values import RangeWindows, Value, Vector

__all__ = ["delta", "idelta", "increase", "irate", "milliseconds", "rate", "windows_arg"]

Array = NDArray[np.float64]


def milliseconds(seconds: Array | float) -> Array:
    """Return times in seconds as whole milliseconds (still floats)."""
    return np.rint(np.multiply(seconds, 1000.0))


def windows_arg(args: list[Value], index: int = 0) -> RangeWindows:
    """Return argument ``index`` as a range vector (the compiler checked its type)."""
    windows = args[index]
    assert isinstance(windows, RangeWindows)
    return windows


def rate(ctx: EvalContext, args: list[Value]) -> Value:
    """Per-second increase of a counter over the window."""
    return _extrapolated(windows_arg(args), counter=True, per_second=True)


def increase(ctx: EvalContext, args: list[Value]) -> Value:
    """Increase of a counter over the window."""
    return _extrapolated(windows_arg(args), counter=True, per_second=False)


def delta(ctx: EvalContext, args: list[Value]) -> Value:
    """Difference between a gauge's last and first values, extrapolated to the window."""
    return _extrapolated(windows_arg(args), counter=False, per_second=False)


def irate(ctx: EvalContext, args: list[Value]) -> Value:
    """Per-second rate between the window's last two samples (a drop counts as a reset)."""
    return _instant(windows_arg(args), per_second=True)


def idelta(ctx: EvalContext, args: list[Value]) -> Value:
    """Difference between the window's last two samples."""
    return _instant(windows_arg(args), per_second=False)


def _instant(windows: RangeWindows, *, per_second: bool) -> Vector:
    windows = windows.take(windows.counts >= 2)
    if not len(windows):
        return Vector.empty()
    t1, v1 = windows.last()
    before = windows.counts - 2
    t0 = windows.times_at(before)
    v0 = windows.values[np.arange(len(before)), before]
    change = v1 - v0
    if per_second:
        # A drop is a counter reset: the counter restarted from zero.
        change = np.where(v1 < v0, v1, change) / ((milliseconds(t1) - milliseconds(t0)) / 1000)
    return Vector(windows.unnamed, change)


def _extrapolated(windows: RangeWindows, *, counter: bool, per_second: bool) -> Vector:
    width = windows.values.shape[1]
    if not (windows.uniform and width >= 2):
        windows = windows.take(windows.counts >= 2)
    if not len(windows):
        return Vector.empty()
    values = windows.values
    first_v = values[:, 0]
    first_ms: Array | float
    last_ms: Array | float
    intervals: NDArray[np.intp] | int
    if windows.uniform:
        # Every window has samples at the same times: the durations are plain numbers.
        first_ms = round(windows.times.item(0, 0) * 1000)
        last_ms = round(windows.times.item(0, width - 1) * 1000)
        change = values[:, width - 1] - first_v
        intervals = width - 1
    else:
        last_t, last_v = windows.last()
        first_ms = milliseconds(windows.times_at(np.zeros(len(windows), dtype=np.intp)))
        last_ms = milliseconds(last_t)
        change = last_v - first_v
        intervals = windows.counts - 1
    if counter:
        maybe = _maybe_reset(windows)
        if np.count_nonzero(maybe):
            for i in np.flatnonzero(maybe).tolist():
                change[i] = _add_resets(change.item(i), windows.row(i)[1])
    to_start = (first_ms - round(windows.start * 1000)) / 1000
    to_end = (round(windows.end * 1000) - last_ms) / 1000
    sampled = (last_ms - first_ms) / 1000
    average = sampled / intervals
    threshold = average * 1.1
    if counter:
        # Extrapolating back past the counter's zero would invent negative values.
        to_zero = sampled * (first_v / change)
        closer = to_zero < to_start
        if np.count_nonzero(closer):
            closer &= (change > 0) & (first_v >= 0)
            to_start = np.where(closer, to_zero, to_start)
    interval = sampled + _edge(to_start, threshold, average)
    interval = interval + _edge(to_end, threshold, average)
    factor = interval / sampled
    if per_second:
        factor = factor / windows.range
    result: Array = change * factor
    return Vector(windows.unnamed, result)


def _edge(gap: Array | float, threshold: Array | float, average: Array | float) -> Array | float:
    """Return how far to extrapolate past an edge: the gap, or half an interval if too far."""
    if isinstance(gap, float) and isinstance(threshold, float) and isinstance(average, float):
        return gap if gap < threshold else average / 2
    return np.where(gap < threshold, gap, np.divide(average, 2))


def _maybe_reset(windows: RangeWindows) -> NDArray[np.bool_]:
    if windows.resets is not None:
        return windows.resets
    values = windows.values
    drops = values[:, 1:] < values[:, :-1]
    out: NDArray[np.bool_] = np.any(drops, axis=1)
    return out


def _add_resets(change: float, values: Array) -> float:
    # Added one at a time, in order, as Prometheus does: float addition is not associative.
    before = values[:-1]
    for value in before[values[1:] < before].tolist():
        change += value
    return change
