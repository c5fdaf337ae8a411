"""``histogram_quantile`` over classic (``le``-labelled) buckets, as Prometheus 2.42 does it."""

from __future__ import annotations

import math

import numpy as np

from dos.promql.gomath import go_div, parse_float
from dos.promql.nodes import EvalContext, expect_scalar, expect_vector
from dos.promql.values import Value, Vector
from dos.telemetry import Labels

__all__ = ["bucket_quantile", "histogram_quantile"]

Bucket = tuple[float, float]
"""A bucket's upper bound and cumulative count."""


def histogram_quantile(ctx: EvalContext, args: list[Value]) -> Value:
    """The ``q``-quantile of each histogram, interpolated linearly inside its bucket.

    Buckets are grouped by their labels other than ``le`` and the metric name (histograms
    of different names stay apart); a bucket whose ``le`` does not parse is skipped.
    """
    q = expect_scalar(ctx, args[0])
    vector = expect_vector(ctx, args[1])
    histograms: dict[tuple[Labels, str], tuple[Labels, list[Bucket]]] = {}
    for labels, count in zip(vector.labels, vector.values.tolist(), strict=True):
        key, out_labels, upper = ctx.labels.lookup("bucket", labels, _split_bucket)
        if upper is None:
            continue
        entry = histograms.get(key)
        if entry is None:
            entry = histograms[key] = (out_labels, [])
        entry[1].append((upper, count))
    labels_out = [out for out, _ in histograms.values()]
    values = [bucket_quantile(q, buckets) for _, buckets in histograms.values()]
    return Vector(labels_out, np.array(values, dtype=np.float64))


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
    if buckets[-1][0] != math.inf:
        return math.nan
    merged = _ensure_monotonic(_coalesce(buckets))
    if len(merged) < 2:
        return math.nan
    observations = merged[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = next((i for i in range(len(merged) - 1) if merged[i][1] >= rank), len(merged) - 1)
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
