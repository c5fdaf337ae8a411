"""``rate``, ``increase``, ``delta`` and ``irate``, with Prometheus 2.42's extrapolation.

A window's increase is extrapolated to the window's edges unless the first or last sample
is further from its edge than 1.1 times the average sample interval, in which case it is
extrapolated by half an interval only; a counter is never extrapolated below zero.
Counter resets (a value lower than the one before) add the value before the reset.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dos.promql.nodes import EvalContext
from dos.promql.values import RangeWindows, Value, Vector

__all__ = ["delta", "increase", "irate", "rate"]


def rate(ctx: EvalContext, args: list[Value]) -> Value:
    """Per-second increase of a counter over the window."""
    return _extrapolated(ctx, _windows(args), counter=True, per_second=True)


def increase(ctx: EvalContext, args: list[Value]) -> Value:
    """Increase of a counter over the window."""
    return _extrapolated(ctx, _windows(args), counter=True, per_second=False)


def delta(ctx: EvalContext, args: list[Value]) -> Value:
    """Difference between a gauge's last and first values, extrapolated to the window."""
    return _extrapolated(ctx, _windows(args), counter=False, per_second=False)


def irate(ctx: EvalContext, args: list[Value]) -> Value:
    """Per-second rate between the window's last two samples."""
    windows = _windows(args)
    labels = []
    values = []
    for i, s in enumerate(windows.series):
        lo, hi = windows.lo[i], windows.hi[i]
        if s.last_stale_index < lo and hi - lo >= 2:
            (t0, v0), (t1, v1) = s.at(hi - 2), s.at(hi - 1)
        else:
            times, vals = windows.samples(i)
            if len(times) < 2:
                continue
            t0, t1, v0, v1 = times.item(-2), times.item(-1), vals.item(-2), vals.item(-1)
        if t1 == t0:
            continue
        # A drop is a counter reset: the counter restarted from zero.
        increment = v1 if v1 < v0 else v1 - v0
        labels.append(s.unnamed_labels)
        values.append(increment / (t1 - t0))
    return Vector(labels, np.array(values, dtype=np.float64))


def _windows(args: list[Value]) -> RangeWindows:
    windows = args[0]
    assert isinstance(windows, RangeWindows)  # the parser checked the argument type
    return windows


def _extrapolated(
    ctx: EvalContext, windows: RangeWindows, *, counter: bool, per_second: bool
) -> Vector:
    labels = []
    columns: list[_Ends] = []
    for i in range(len(windows.series)):
        ends = _window_ends(windows, i, counter)
        if ends is not None:
            labels.append(windows.series[i].unnamed_labels)
            columns.append(ends)
    if not columns:
        return Vector.empty()
    table = np.array(columns, dtype=np.float64)
    values = _extrapolate(table, windows, counter=counter, per_second=per_second)
    return Vector(labels, values)


_Ends = tuple[float, float, float, float, int]
"""A window's first time, last time, first value, change (resets added) and size."""


def _window_ends(windows: RangeWindows, i: int, counter: bool) -> _Ends | None:
    """Return what extrapolation needs of window ``i``; None under two samples."""
    s, lo, hi = windows.series[i], windows.lo[i], windows.hi[i]
    if s.last_stale_index >= lo or (counter and s.last_reset_index > lo):
        times, values = windows.samples(i)
        if len(times) < 2:
            return None
        change = values.item(-1) - values.item(0)
        if counter:
            change = _add_resets(change, values)
        return times.item(0), times.item(-1), values.item(0), change, len(times)
    # No stale marker or reset inside: the window's ends are all that matter.
    if hi - lo < 2:
        return None
    first_t, first_v = s.at(lo)
    last_t, last_v = (s.newest_time, s.newest_value) if hi == len(s) else s.at(hi - 1)
    return first_t, last_t, first_v, last_v - first_v, hi - lo


def _add_resets(change: float, values: NDArray[np.float64]) -> float:
    # Added one at a time, in order, as Prometheus does: float addition is not associative.
    before = values[:-1]
    for value in before[values[1:] < before].tolist():
        change += value
    return change


def _extrapolate(
    table: NDArray[np.float64], windows: RangeWindows, *, counter: bool, per_second: bool
) -> NDArray[np.float64]:
    first_t, last_t, first_v, change, count = table.T
    to_start = first_t - windows.start
    to_end = windows.end - last_t
    sampled = last_t - first_t
    average = sampled / (count - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if counter:
            # Extrapolating back past the counter's zero would invent negative values.
            to_zero = sampled * (first_v / change)
            closer = (change > 0) & (first_v >= 0) & (to_zero < to_start)
            to_start = np.where(closer, to_zero, to_start)
        threshold = average * 1.1
        interval = sampled + np.where(to_start < threshold, to_start, average / 2)
        interval = interval + np.where(to_end < threshold, to_end, average / 2)
        factor = interval / sampled
        if per_second:
            factor = factor / windows.range
        result: NDArray[np.float64] = change * factor
    return result
