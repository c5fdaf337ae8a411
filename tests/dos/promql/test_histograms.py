"""histogram_quantile: bucket handling, interpolation and its NaN cases."""

from __future__ import annotations

import math

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
