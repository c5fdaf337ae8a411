"""Prometheus' ``quantile``, shared by the aggregation and ``quantile_over_time``."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["quantile"]


def quantile(q: float, values: NDArray[np.float64]) -> float:
    """Return the ``q``-quantile of ``values``, interpolated between the two nearest ranks.

    As Prometheus: NaN for no values or a NaN ``q``, -Inf/+Inf for ``q`` below 0/above 1;
    NaN values sort first.

    >>> quantile(0.5, np.array([4.0, 1.0, 3.0, 2.0]))
    2.5
    """
    if len(values) == 0 or math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    nan = np.isnan(values)
    ordered = np.concatenate([values[nan], np.sort(values[~nan])]).tolist()
    rank = q * (len(ordered) - 1)
    lower = max(0, math.floor(rank))
    upper = min(len(ordered) - 1, lower + 1)
    weight = rank - math.floor(rank)
    # Written as Prometheus writes it: an infinite neighbour with weight 0 gives NaN.
    return float(ordered[lower] * (1 - weight) + ordered[upper] * weight)
