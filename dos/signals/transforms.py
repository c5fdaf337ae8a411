"""Array transforms from raw telemetry to signals: rates, quantiles, ratios, resampling.

These work on plain numpy arrays (a series' timestamps and values), so recorded data and
the store's series go through the same code. Conventions:

- a counter that drops has been reset: the new value counts from zero (Prometheus' rule);
- a ratio with a zero denominator is 0 when the numerator is 0 too (no traffic, no
  errors), NaN otherwise;
- resampling takes each step's last sample at or before it, never one from the future;
  a step with no sample within ``max_gap`` (default: two steps) before it is a gap (NaN).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dos.errors import ConfigError

__all__ = ["counter_increase", "counter_rate", "histogram_quantile", "resample", "safe_ratio"]


def counter_increase(values: ArrayLike) -> NDArray[np.float64]:
    """Return each sample's increase over the previous one, counting resets from zero.

    >>> counter_increase([1, 3, 7, 2, 5]).tolist()
    [0.0, 2.0, 4.0, 2.0, 3.0]
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.zeros(len(v))
    if len(v) > 1:
        step = np.diff(v)
        out[1:] = np.where(step < 0, v[1:], step)
    return out


def counter_rate(times: ArrayLike, values: ArrayLike, window: float) -> NDArray[np.float64]:
    """Return the per-second rate of a counter over the trailing ``window`` at each sample.

    The increase (resets handled) between the oldest sample inside the window and the
    current one, over the time between them; NaN until two samples span the window.
    """
    t = np.asarray(times, dtype=np.float64)
    if not window > 0:
        raise ConfigError("window", window, "a positive number of seconds")
    total = np.cumsum(counter_increase(values))
    first = np.searchsorted(t, t - window, side="left")
    span = t - t[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = (total - total[first]) / span
    return np.where(span > 0, rate, np.nan)


def safe_ratio(numerator: ArrayLike, denominator: ArrayLike) -> NDArray[np.float64]:
    """Divide, taking 0/0 as 0 (nothing happened) and x/0 as NaN (undefined).

    >>> safe_ratio([1, 0, 2], [4, 0, 0]).tolist()
    [0.25, 0.0, nan]
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(den == 0, np.where(num == 0, 0.0, np.nan), out)


def histogram_quantile(q: float, bounds: ArrayLike, counts: ArrayLike) -> float:
    """Return quantile ``q`` of a cumulative histogram, interpolating as Prometheus does.

    ``bounds`` are the buckets' upper bounds (``le``), the last one ``+Inf``; ``counts``
    their cumulative counts. A quantile in the ``+Inf`` bucket is the last finite bound.

    >>> histogram_quantile(0.5, [0.1, 0.5, float("inf")], [10, 30, 30])
    0.2
    """
    le = np.asarray(bounds, dtype=np.float64)
    cum = np.maximum.accumulate(np.asarray(counts, dtype=np.float64))
    if not 0 <= q <= 1:
        raise ConfigError("q", q, "a quantile between 0 and 1")
    if len(le) < 2 or not np.isinf(le[-1]) or cum[-1] <= 0:
        return float("nan")
    rank = q * cum[-1]
    b = int(np.searchsorted(cum, rank, side="left"))
    if b == len(le) - 1:
        return float(le[-2])
    lower = 0.0 if b == 0 else le[b - 1]
    below = 0.0 if b == 0 else cum[b - 1]
    inside = cum[b] - below
    if inside <= 0:
        return float(le[b])
    return float(lower + (le[b] - lower) * (rank - below) / inside)


def resample(
    times: ArrayLike, values: ArrayLike, step: float, max_gap: float | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Put a series on a regular grid of ``step`` seconds from its first sample.

    Each grid point takes the last sample at or before it; one whose latest sample is
    more than ``max_gap`` (default: ``2 * step``, one missed sample) old is a gap (NaN).
    """
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if not step > 0:
        raise ConfigError("step", step, "a positive number of seconds")
    if len(t) == 0:
        return t.copy(), v.copy()
    grid = t[0] + step * np.arange(int(np.floor((t[-1] - t[0]) / step + 1e-9)) + 1)
    index = np.searchsorted(t, grid + 1e-9, side="right") - 1
    stale = grid - t[index] > (2.0 * step if max_gap is None else max_gap)
    return grid, np.where(stale, np.nan, v[index])
