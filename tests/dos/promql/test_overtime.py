"""The *_over_time functions, with NaN, infinities and stale markers."""

from __future__ import annotations

import math

import pytest

from dos.promql import Engine
from dos.telemetry import STALE_NAN, labels_of
from dos.tsdb import SeriesStore


def engine_with(**series: list[float]) -> Engine:
    store = SeriesStore()
    for name, values in series.items():
        for i, v in enumerate(values):
            store.append_sample(labels_of(name, job="a"), 60.0 * i, v)
    return Engine(store)


def over(engine: Engine, fn: str, name: str, window: str = "10m", t: float = 600.0) -> float:
    result = engine.instant(f"{fn}_over_time({name}[{window}])", t)
    assert len(result) == 1
    return result[0].value


@pytest.mark.parametrize(
    ("fn", "expected"),
    [("avg", 2.5), ("sum", 10.0), ("min", 1.0), ("max", 4.0), ("count", 4.0), ("last", 3.0)],
)
def test_each_function_folds_the_window(fn: str, expected: float) -> None:
    engine = engine_with(x=[2.0, 4.0, 1.0, 3.0])
    assert over(engine, fn, "x") == expected


def test_stale_markers_are_not_part_of_a_window() -> None:
    engine = engine_with(x=[2.0, STALE_NAN, 4.0, STALE_NAN])
    assert over(engine, "count", "x") == 2.0
    assert over(engine, "last", "x") == 4.0


def test_only_last_over_time_keeps_the_metric_name() -> None:
    engine = engine_with(x=[1.0])
    assert engine.instant("last_over_time(x[1m])", 0.0)[0].labels == {"__name__": "x", "job": "a"}
    assert engine.instant("max_over_time(x[1m])", 0.0)[0].labels == {"job": "a"}


def test_an_empty_window_gives_no_element() -> None:
    engine = engine_with(x=[1.0, STALE_NAN])
    assert engine.instant("count_over_time(x[30s])", 90.0) == []


def test_sums_are_compensated() -> None:
    engine = engine_with(x=[1e16, 1.0, 1.0])
    assert over(engine, "sum", "x") == 1e16 + 2.0
    assert over(engine, "avg", "x") == pytest.approx((1e16 + 2.0) / 3, rel=1e-15)


def test_max_and_min_skip_nan_unless_all_are_nan() -> None:
    engine = engine_with(x=[math.nan, 1.0, 3.0], y=[math.nan, math.nan])
    assert over(engine, "max", "x") == 3.0
    assert over(engine, "min", "x") == 1.0
    assert math.isnan(over(engine, "max", "y"))


def test_an_infinite_mean_stays_infinite_and_opposite_infinities_give_nan() -> None:
    engine = engine_with(x=[math.inf, 1.0, 2.0], y=[math.inf, -math.inf])
    assert over(engine, "avg", "x") == math.inf
    assert math.isnan(over(engine, "avg", "y"))
    assert over(engine, "sum", "x") == math.inf


def test_windows_of_different_lengths_are_folded_separately() -> None:
    store = SeriesStore()
    for i in range(5):
        store.append_sample(labels_of("x", job="long"), 60.0 * i, float(i))
    store.append_sample(labels_of("x", job="short"), 240.0, 10.0)
    result = Engine(store).instant("sum_over_time(x[10m])", 240.0)
    assert {s.labels["job"]: s.value for s in result} == {"long": 10.0, "short": 10.0}


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.0, 1.0), (0.5, 2.5), (1.0, 4.0), (0.25, 1.75), (-1.0, -math.inf), (2.0, math.inf)],
)
def test_quantile_over_time_interpolates_between_samples(q: float, expected: float) -> None:
    engine = engine_with(x=[2.0, 4.0, 1.0, 3.0])
    [sample] = engine.instant(f"quantile_over_time({q}, x[10m])", 600.0)
    assert sample.value == expected


def test_nan_sorts_first_in_quantile_over_time() -> None:
    engine = engine_with(x=[2.0, math.nan, 1.0])
    [low] = engine.instant("quantile_over_time(0.5, x[10m])", 600.0)
    [top] = engine.instant("quantile_over_time(1, x[10m])", 600.0)
    assert (low.value, top.value) == (1.0, 2.0)


def test_stddev_and_stdvar_over_time_are_population_statistics() -> None:
    engine = engine_with(x=[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    assert over(engine, "stdvar", "x", window="10m", t=420.0) == 4.0
    assert over(engine, "stddev", "x", window="10m", t=420.0) == 2.0


def test_present_over_time_is_one_for_a_series_with_a_sample() -> None:
    engine = engine_with(x=[1.0, STALE_NAN])
    assert over(engine, "present", "x", window="1m", t=60.0) == 1.0
    assert engine.instant("present_over_time(x[30s])", 90.0) == []


def test_changes_counts_value_changes_and_nan_to_nan_is_none() -> None:
    engine = engine_with(x=[1.0, 1.0, 2.0, math.nan, math.nan, 2.0, 2.0])
    [sample] = engine.instant("changes(x[10m])", 600.0)
    assert sample.value == 3.0  # 1 to 2, 2 to NaN, NaN to 2
    assert sample.labels == {"job": "a"}


def test_resets_counts_drops() -> None:
    engine = engine_with(x=[5.0, 6.0, 1.0, 2.0, 0.0, math.nan, 3.0])
    [sample] = engine.instant("resets(x[10m])", 600.0)
    assert sample.value == 2.0
