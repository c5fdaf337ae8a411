"""Subqueries and the @ modifier: alignment to the step, offsets, start() and end()."""

from __future__ import annotations

import pytest

from dos.promql import Engine
from dos.promql.subquery import subquery_steps
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore

X = labels_of("x", job="api")


@pytest.fixture
def engine() -> Engine:
    # x is the minute: 0 at 0 s, 1 at 60 s, ... 20 at 1200 s.
    store = SeriesStore()
    for minute in range(21):
        store.append_sample(X, 60.0 * minute, float(minute))
    return Engine(store, subquery_step=30.0)


def one(engine: Engine, expr: str, t: float) -> float:
    [sample] = engine.instant(expr, t)
    return sample.value


@pytest.mark.parametrize(
    ("ref", "range_", "step", "expected"),
    [
        (300_000, 180_000, 45_000, [135_000, 180_000, 225_000, 270_000]),
        (300_000, 180_000, 60_000, [120_000, 180_000, 240_000, 300_000]),
        (60_000, 300_000, 60_000, [-240_000, -180_000, -120_000, -60_000, 0, 60_000]),
        (59_999, 60_000, 60_000, [0]),
    ],
)
def test_inner_steps_are_the_multiples_of_the_step_inside_the_range(
    ref: int, range_: int, step: int, expected: list[int]
) -> None:
    assert list(subquery_steps(ref, range_, step)) == expected


def test_a_subquery_evaluates_at_absolute_multiples_of_its_step(engine: Engine) -> None:
    # At 5m30s, [3m30s, 5m30s] holds the 1m multiples 4m and 5m: x is 4, then 5.
    assert one(engine, "count_over_time(x[2m:1m])", 330.0) == 2.0
    assert one(engine, "min_over_time(x[2m:1m])", 330.0) == 4.0
    # A 45 s step: 3m45s, 4m30s and 5m15s, where x reads 3, 4 and 5.
    assert one(engine, "sum_over_time(x[2m:45s])", 330.0) == 12.0


def test_a_subquery_without_a_step_uses_the_engines_default(engine: Engine) -> None:
    # Every 30 s from 2m to 4m: five points.
    assert one(engine, "count_over_time(x[2m:])", 240.0) == 5.0


def test_an_offset_moves_the_whole_subquery(engine: Engine) -> None:
    # [2m, 4m] instead of [3m, 5m].
    assert one(engine, "max_over_time(x[2m:1m] offset 1m)", 300.0) == 4.0
    assert one(engine, "min_over_time(x[2m:1m] offset 1m)", 300.0) == 2.0


def test_a_subquery_over_a_rate_sees_the_rate_at_each_step(engine: Engine) -> None:
    # x grows by 1 a minute: rate is 1/60 at every step, and irate too.
    assert one(engine, "avg_over_time(rate(x[2m])[5m:1m])", 600.0) == pytest.approx(1 / 60)
    assert one(engine, "max_over_time(irate(x[2m])[10m:])", 900.0) == pytest.approx(1 / 60)


def test_nested_subqueries_align_each_level_to_its_own_step(engine: Engine) -> None:
    # The inner max over [t-2m, t] at 1m steps is x(t) at each outer 2m step of [4m, 10m].
    assert one(engine, "sum_over_time(max_over_time(x[2m:1m])[6m:2m])", 600.0) == 28.0


def test_only_last_over_time_keeps_the_name(engine: Engine) -> None:
    [last] = engine.instant("last_over_time(x[3m:1m])", 300.0)
    [rate] = engine.instant("rate(x[3m:1m])", 300.0)
    assert last.labels == {"__name__": "x", "job": "api"}
    assert rate.labels == {"job": "api"}


def test_at_fixes_the_time_a_selector_reads(engine: Engine) -> None:
    assert one(engine, "x @ 120", 900.0) == 2.0
    assert one(engine, "x @ 300 offset 1m", 0.0) == 4.0
    assert one(engine, "max_over_time(x[2m:1m] @ 600)", 60.0) == 10.0
    assert one(engine, "rate(x[5m] @ 600)", 1200.0) == pytest.approx(1 / 60)


def test_start_and_end_are_the_range_querys_ends(engine: Engine) -> None:
    [start] = engine.query_range("x @ start()", 120.0, 300.0, 60.0)
    [end] = engine.query_range("x @ end()", 120.0, 300.0, 60.0)
    assert start.values.tolist() == [2.0, 2.0, 2.0, 2.0]
    assert end.values.tolist() == [5.0, 5.0, 5.0, 5.0]
    # An instant query starts and ends at its own time.
    assert one(engine, "x @ start()", 180.0) == 3.0
