"""The latency distribution of one pod over one tick, and mixtures of many.

Every pod-tick's request latency ``X`` is a *shifted exponential cut at the timeout*: with
probability ``q`` a request waits out its timeout ``T`` (it overflowed a saturated queue),
otherwise ``X = min(a + E, T)`` with ``E`` exponential of mean ``b``. A request whose latency
reaches ``T`` times out. The shift ``a`` holds the fixed part (off-CPU latency, queue wait,
the fixed part of downstream calls); ``b`` the random part (processor-sharing sojourn and
the spread of downstream calls). The metrics' histogram buckets, the model's percentiles,
the health verdict's p99 and the spans' durations all come from this one distribution, so
``histogram_quantile`` on the emitted buckets recovers the model's p99 up to Prometheus'
linear interpolation inside a bucket.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BUCKETS",
    "bin_probabilities",
    "cdf",
    "moments",
    "quantiles",
    "sample",
    "timeout_probability",
]

FloatArray = NDArray[np.float64]

BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Prometheus' default histogram bucket bounds (``le``), without ``+Inf``."""

_BOUNDS = np.array(BUCKETS)
# 30 halvings of a bracket of a few seconds leave it under 10 ns wide.
_BISECTIONS = 30


def _tail(x: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Return P(a + E > x) for E exponential of mean b."""
    result: FloatArray = np.exp(-np.maximum(x - a, 0.0) / b)
    return result


def cdf(x: FloatArray, a: FloatArray, b: FloatArray, q: FloatArray, t: FloatArray) -> FloatArray:
    """Return P(X <= x) (arguments broadcast together)."""
    below = (1.0 - q) * (1.0 - _tail(x, a, b))
    return np.where(x >= t, 1.0, below)


def timeout_probability(a: FloatArray, b: FloatArray, q: FloatArray, t: FloatArray) -> FloatArray:
    """Return P(X = T): the share of requests that time out."""
    result: FloatArray = q + (1.0 - q) * _tail(t, a, b)
    return result


def moments(
    a: FloatArray, b: FloatArray, q: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return E[X] and E[X^2]."""
    # With tau = T - a, E[min(E, tau)] = b (1 - e^-tau/b) and
    # E[min(E, tau)^2] = 2 b^2 (1 - e^-tau/b (1 + tau/b)); a shift a >= T leaves only T.
    tau = np.maximum(t - a, 0.0)
    decay = np.exp(-tau / b)
    m1 = b * (1.0 - decay)
    m2 = 2.0 * b * b * (1.0 - decay * (1.0 + tau / b))
    shift = np.minimum(a, t)
    first = (1.0 - q) * (shift + m1) + q * t
    second = (1.0 - q) * (shift * shift + 2.0 * shift * m1 + m2) + q * t * t
    return first, second


def bin_probabilities(a: FloatArray, b: FloatArray, q: FloatArray, t: FloatArray) -> FloatArray:
    """Return, over a trailing axis, P(X in bucket) for each bucket, +Inf, then P(timeout).

    The buckets are ``(prev, le]`` for :data:`BUCKETS`; the +Inf slot holds latencies over
    10 s that did not time out; the last slot is the timeouts, which a histogram records in
    the bucket holding ``T``. The slots sum to 1.
    """
    a, b, q, t = (np.asarray(v, dtype=np.float64)[..., None] for v in (a, b, q, t))
    edges = np.minimum(np.concatenate([_BOUNDS, [np.inf]]), t)
    below = (1.0 - q) * (1.0 - _tail(edges, a, b))
    bins = np.diff(below, axis=-1, prepend=0.0)
    out: FloatArray = np.concatenate([bins, 1.0 - below[..., -1:]], axis=-1)
    return np.maximum(out, 0.0)


def quantiles(
    p: float,
    a: FloatArray,
    b: FloatArray,
    q: FloatArray,
    t: FloatArray,
    weights: FloatArray,
    groups: NDArray[np.intp],
    n_groups: int,
) -> FloatArray:
    """Return the ``p``-quantile of the weighted mixture of components, per group.

    Components are flat arrays; ``groups`` numbers each component's group (a service). A
    group with no weight gets 0.
    """
    totals = np.bincount(groups, weights=weights, minlength=n_groups)
    lo = np.zeros(n_groups)
    hi = np.full(n_groups, float(np.max(t, initial=0.0)))
    # Bisection on the mixture's CDF: each step halves every group's bracket at once.
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        mass = np.bincount(
            groups, weights=weights * cdf(mid[groups], a, b, q, t), minlength=n_groups
        )
        enough = mass >= p * totals
        hi = np.where(enough, mid, hi)
        lo = np.where(enough, lo, mid)
    result: FloatArray = np.where(totals > 0, hi, 0.0)
    return result


def sample(rng: np.random.Generator, a: float, b: float, q: float, t: float) -> float:
    """Draw one latency."""
    if rng.random() < q:
        return t
    return min(a + float(rng.exponential(b)), t)
