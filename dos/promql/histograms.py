"""``histogram_quantile`` over classic (``le``-labelled) buckets, as Prometheus 2.42 does it.

Buckets are grouped into histograms by their labels other than ``le`` and the metric
name; the grouping is worked out once per set of input series. When every histogram has
the same distinct bounds (the usual case) all quantiles are computed at once on a
histograms-by-buckets matrix; otherwise one histogram at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.promql.gomath import go_div, parse_float
from dos.promql.nodes import EvalContext, expect_scalar, expect_vector
from dos.promql.values import Value, Vector
from dos.telemetry import Labels

__all__ = ["bucket_quantile", "histogram_quantile"]

Bucket = tuple[float, float]
"""A bucket's upper bound and cumulative count."""
Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each histogram's buckets are in the input vector.

    ``members[h]`` lists histogram ``h``'s elements; when ``matrix`` is set, every
    histogram has the buckets ``bounds`` (sorted, distinct) at ``matrix[h]``.
    """

    labels: list[Labels]
    members: list[list[int]]
    uppers: list[float]
    bounds: Array | None
    matrix: NDArray[np.intp] | None


def histogram_quantile(ctx: EvalContext, args: list[Value]) -> Value:
    """The ``q``-quantile of each histogram, interpolated linearly inside its bucket.

    Buckets are grouped by their labels other than ``le`` and the metric name (histograms
    of different names stay apart); a bucket whose ``le`` does not parse is skipped.
    """
    q = expect_scalar(ctx, args[0])
    vector = expect_vector(ctx, args[1])
    layout = ctx.labels.per_list("histograms", vector.labels, _layout)
    if layout.matrix is not None and layout.bounds is not None:
        values = _quantiles(q, layout.bounds, vector.values[layout.matrix])
    else:
        counts = vector.values.tolist()
        values = np.array(
            [
                bucket_quantile(q, [(layout.uppers[i], counts[i]) for i in members])
                for members in layout.members
            ],
            dtype=np.float64,
        )
    return Vector(layout.labels, values)


def _layout(labels: list[Labels]) -> _Layout:
    histograms: dict[tuple[Labels, str], int] = {}
    out_labels: list[Labels] = []
    members: list[list[int]] = []
    uppers: list[float] = []
    for i, series in enumerate(labels):
        (key, rest, upper) = _split_bucket(series)
        uppers.append(math.nan if upper is None else upper)
        if upper is None:
            continue
        h = histograms.get(key)
        if h is None:
            h = histograms[key] = len(out_labels)
            out_labels.append(rest)
            members.append([])
        members[h].append(i)
    bounds, matrix = _matrix(members, uppers)
    return _Layout(out_labels, members, uppers, bounds, matrix)


def _matrix(
    members: list[list[int]], uppers: list[float]
) -> tuple[Array | None, NDArray[np.intp] | None]:
    """Return the shared bounds and each histogram's elements in bound order, if shared."""
    if not members:
        return None, None
    ordered = [sorted(m, key=uppers.__getitem__) for m in members]
    bounds = [uppers[i] for i in ordered[0]]
    if len(set(bounds)) != len(bounds) or any(math.isnan(b) for b in bounds):
        return None, None
    if any([uppers[i] for i in m] != bounds for m in ordered[1:]):
        return None, None
    return np.array(bounds), np.array(ordered, dtype=np.intp)


def _split_bucket(labels: Labels) -> tuple[tuple[Labels, str], Labels, float | None]:
    rest = tuple(pair for pair in labels if pair[0] not in ("__name__", "le"))
    name = ""
    upper = None
    for key, value in labels:
        if key == "__name__":
            name = value
        elif key == "le":
            upper = parse_float(value)
    return (rest, name), rest, upper


def _quantiles(q: float, bounds: Array, counts: Array) -> Array:
    """Return the ``q``-quantile of every row of ``counts`` (cumulative, bounds ascending)."""
    size, width = counts.shape
    if q < 0 or q > 1:
        return np.full(size, -math.inf if q < 0 else math.inf)
    if math.isnan(q) or bounds[-1] != math.inf or width < 2:
        return np.full(size, math.nan)
    # Raise each count to the largest before it (scrapes of buckets are not atomic); a
    # NaN count stays NaN and is skipped, as Prometheus' loop skips it.
    nan = np.isnan(counts)
    if np.count_nonzero(nan):
        counts = np.where(nan, counts, np.fmax.accumulate(counts, axis=1))
    else:
        counts = np.maximum.accumulate(counts, axis=1)
    observations = counts[:, -1]
    rank = q * observations
    found = _search(counts, rank, width - 1)
    # A zero bucket before the first makes "the bucket below" exist for every bucket.
    below = np.hstack([np.zeros((size, 1)), counts])
    lower = np.concatenate([[0.0], bounds])
    rows = np.arange(size)
    start, end = lower[found], lower[found + 1]
    under = below[rows, found]
    inside = start + (end - start) * ((rank - under) / (below[rows, found + 1] - under))
    result = np.where(found == width - 1, bounds[width - 2], inside)
    if bounds[0] <= 0:
        result = np.where(found == 0, bounds[0], result)
    return np.where(observations == 0, math.nan, result)


def _search(counts: Array, rank: Array, n: int) -> NDArray[np.intp]:
    """Go's ``sort.Search(n, counts[i] >= rank)`` on every row at once."""
    if not np.count_nonzero(np.isnan(counts)):
        # Rows are non-decreasing: the answer is how many counts fall short of the rank.
        short = (counts[:, :n] < rank[:, None]).sum(axis=1)
        return np.where(np.isnan(rank), n, short)
    lo = np.zeros(len(rank), dtype=np.intp)
    hi = np.full(len(rank), n, dtype=np.intp)
    rows = np.arange(len(rank))
    while (lo < hi).any():
        active = lo < hi
        mid = (lo + hi) // 2
        ok = counts[rows, np.minimum(mid, counts.shape[1] - 1)] >= rank
        lo = np.where(active & ~ok, mid + 1, lo)
        hi = np.where(active & ok, mid, hi)
    return lo


def bucket_quantile(q: float, buckets: list[Bucket]) -> float:
    """Return the ``q``-quantile of one histogram's cumulative buckets.

    NaN when the +Inf bucket is missing, when fewer than two buckets remain or when there
    are no observations; -Inf/+Inf for ``q`` below 0/above 1. Sorts ``buckets`` in place.
    """
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    buckets.sort(key=_upper_bound)
    if not buckets or buckets[-1][0] != math.inf:
        return math.nan
    merged = _ensure_monotonic(_coalesce(buckets))
    if len(merged) < 2:
        return math.nan
    observations = merged[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = _search_one([count for _, count in merged], rank, len(merged) - 1)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, (end, count) = 0.0, merged[b]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return start + (end - start) * go_div(rank, count)


def _search_one(counts: list[float], rank: float, n: int) -> int:
    """Go's ``sort.Search(n, counts[i] >= rank)``: a binary search, as Prometheus uses."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if counts[mid] >= rank:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _upper_bound(bucket: Bucket) -> float:
    return bucket[0]


def _coalesce(buckets: list[Bucket]) -> list[Bucket]:
    """Merge buckets with equal bounds (``le="1"`` and ``le="1.0"``) by adding their counts."""
    merged = [buckets[0]]
    for upper, count in buckets[1:]:
        if upper == merged[-1][0]:
            merged[-1] = (upper, merged[-1][1] + count)
        else:
            merged.append((upper, count))
    return merged


def _ensure_monotonic(buckets: list[Bucket]) -> list[Bucket]:
    """Raise each count to the largest before it: scrapes of buckets are not atomic."""
    highest = -math.inf
    out = []
    for upper, count in buckets:
        if count > highest:
            highest = count
        elif count < highest:
            count = highest
        out.append((upper, count))
    return out
