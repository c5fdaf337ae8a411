"""histogram_quantile: bucket handling, interpolation and its NaN cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dos.promql import Engine
from dos.promql.histograms import bucket_quantile
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore

INF = math.inf


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        (0.5, [(0.1, 1), (0.5, 3), (1, 4), (INF, 5)], 0.4),  # 0.1 + 0.4 * (1.5 / 2)
        (0.9, [(0.1, 1), (0.5, 3), (1, 4), (INF, 5)], 1.0),  # in +Inf: the highest finite bound
        (0.5, [(INF, 5), (1, 4), (0.1, 1), (0.5, 3)], 0.4),  # any order
        (0.5, [(2, 4), (INF, 4)], 1.0),  # the first bucket starts at 0
        (0.25, [(-1, 1), (INF, 2)], -1.0),  # ... unless its bound is not positive
        (0.45, [(1, 2), (2, 4), (3, 3), (4, 5), (INF, 10)], 3.5),  # 3 raised to 4
        (0.5, [(1, 1), (1, 1), (2, 4), (INF, 4)], 1.0),  # equal bounds are merged: 2 below 1
        (0, [(1, 1), (INF, 2)], 0.0),
        (1, [(1, 1), (INF, 2)], 1.0),
    ],
)
def test_bucket_quantile_interpolates_inside_the_bucket(
    q: float, buckets: list[tuple[float, float]], expected: float
) -> None:
    assert bucket_quantile(q, list(buckets)) == expected


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        (-0.1, [(1, 1), (INF, 2)], -INF),
        (1.1, [(1, 1), (INF, 2)], INF),
    ],
)
def test_a_quantile_outside_0_1_is_infinite(
    q: float, buckets: list[tuple[float, float]], expected: float
) -> None:
    assert bucket_quantile(q, buckets) == expected


@pytest.mark.parametrize(
    ("q", "buckets"),
    [
        (math.nan, [(1, 1), (INF, 2)]),
        (0.5, [(1, 1), (2, 2)]),  # no +Inf bucket
        (0.5, [(INF, 2)]),  # a single bucket
        (0.5, [(1, 0), (INF, 0)]),  # no observations
    ],
)
def test_undefined_quantiles_are_nan(q: float, buckets: list[tuple[float, float]]) -> None:
    assert math.isnan(bucket_quantile(q, buckets))


def engine_with(series: dict[tuple[str, ...], float]) -> Engine:
    store = SeriesStore()
    for (name, svc, le), v in series.items():
        store.append_sample(labels_of(name, service=svc, le=le), 0.0, v)
    return Engine(store)


def test_histograms_are_grouped_by_their_labels_without_le() -> None:
    engine = engine_with(
        {
            ("lat_bucket", "a", "0.5"): 5.0,
            ("lat_bucket", "a", "+Inf"): 10.0,
            ("lat_bucket", "b", "1"): 0.0,
            ("lat_bucket", "b", "Inf"): 4.0,
        }
    )
    result = {
        s.labels["service"]: s.value
        for s in engine.instant("histogram_quantile(0.5, lat_bucket)", 0.0)
    }
    assert result == {"a": 0.5, "b": 1.0}
    labels = engine.instant("histogram_quantile(0.5, lat_bucket)", 0.0)[0].labels
    assert labels == {"service": "a"}


def test_a_bucket_with_an_unreadable_bound_is_skipped() -> None:
    engine = engine_with(
        {
            ("lat_bucket", "a", "1"): 2.0,
            ("lat_bucket", "a", "one"): 100.0,
            ("lat_bucket", "a", "+Inf"): 4.0,
        }
    )
    assert engine.instant("histogram_quantile(0.5, lat_bucket)", 0.0)[0].value == 1.0


def test_histograms_of_different_names_are_kept_apart() -> None:
    engine = engine_with(
        {
            ("a_bucket", "s", "1"): 1.0,
            ("a_bucket", "s", "+Inf"): 1.0,
            ("b_bucket", "t", "+Inf"): 1.0,
            ("b_bucket", "t", "2"): 1.0,
        }
    )
    expr = 'histogram_quantile(1, {__name__=~"a_bucket|b_bucket"})'
    assert sorted(s.value for s in engine.instant(expr, 0.0)) == [1.0, 2.0]


def test_a_nan_count_is_searched_as_gos_binary_search_does() -> None:
    # Rank 2 of 4: a linear scan would stop at 2.5 (bound 2) and interpolate to 1.67; Go's
    # binary search over the first four buckets meets NaN first, goes right, stops at 3
    # (bound 4) and interpolates from the NaN below it.
    buckets = [(1.0, 1.0), (2.0, 2.5), (3.0, math.nan), (4.0, 3.0), (INF, 4.0)]
    assert math.isnan(bucket_quantile(0.5, buckets))


@pytest.mark.parametrize("seed", range(5))
def test_histograms_sharing_bounds_are_computed_together_exactly_as_one_by_one(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    bounds = ["0.1", "0.25", "1", "2.5", "+Inf"]
    store = SeriesStore()
    expected = []
    for svc in range(20):
        counts = np.cumsum(rng.integers(0, 4, size=len(bounds))).astype(float)
        if svc % 7 == 3:
            counts[:] = 0.0  # no observations
        if svc % 5 == 1:
            counts[2] = math.nan
        for le, count in zip(bounds, counts.tolist(), strict=True):
            store.append_sample(labels_of("h_bucket", svc=f"{svc:02d}", le=le), 0.0, count)
        expected.append(
            bucket_quantile(0.8, [(float(b), c) for b, c in zip(bounds, counts, strict=True)])
        )
    got = [s.value for s in Engine(store).instant("histogram_quantile(0.8, h_bucket)", 0.0)]
    assert got == pytest.approx(expected, nan_ok=True, rel=0, abs=0)


def test_zero_traffic_gives_nan_quantiles_and_ratios_that_never_fire() -> None:
    store = SeriesStore()
    for t in range(0, 601, 60):
        for le in ("0.5", "+Inf"):
            store.append_sample(labels_of("lat_bucket", service="s", le=le), float(t), 7.0)
        store.append_sample(labels_of("errors_total", service="s"), float(t), 3.0)
        store.append_sample(labels_of("requests_total", service="s"), float(t), 9.0)
    engine = Engine(store)
    [p99] = engine.instant("histogram_quantile(0.99, rate(lat_bucket[5m]))", 600.0)
    [ratio] = engine.instant("rate(errors_total[5m]) / rate(requests_total[5m])", 600.0)
    assert math.isnan(p99.value)
    assert math.isnan(ratio.value)
    assert engine.instant("histogram_quantile(0.99, rate(lat_bucket[5m])) > 0.5", 600.0) == []
    assert engine.instant("rate(errors_total[5m]) / rate(requests_total[5m]) > 0", 600.0) == []
    assert engine.instant("rate(errors_total[5m]) / rate(requests_total[5m]) <= 0", 600.0) == []
