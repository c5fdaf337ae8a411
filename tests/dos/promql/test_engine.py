"""The engine's surface: parsing, caching, refusals, instant and range queries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dos.errors import QueryError
from dos.promql import Engine, Sample
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


@pytest.fixture
def engine() -> Engine:
    store = SeriesStore()
    for t in range(0, 301, 60):
        store.append_sample(labels_of("c", job="a"), float(t), float(t))
        store.append_sample(labels_of("c", job="b"), float(t), 2.0 * t)
    return Engine(store)


def test_parsed_expressions_are_cached_by_text(engine: Engine) -> None:
    assert engine.parse("rate(c[1m])") is engine.parse("rate(c[1m])")


def test_a_parse_error_is_a_query_error_naming_the_expression(engine: Engine) -> None:
    with pytest.raises(QueryError, match=r"parse error.*'sum\(c'") as caught:
        engine.parse("sum(c")
    assert caught.value.expr == "sum(c"


@pytest.mark.parametrize(
    ("expr", "named"),
    [
        ("mad_over_time(c[5m])", r"function mad_over_time\(\) \(not in Prometheus 2.42"),
        ('sort_by_label(c, "job")', r"function sort_by_label\(\)"),
        ("limitk(1, c)", "aggregation limitk"),
        ('c{job="a" or job="b"}', "'or' inside"),
    ],
)
def test_unsupported_constructs_are_refused_by_name(engine: Engine, expr: str, named: str) -> None:
    with pytest.raises(QueryError, match=named):
        engine.instant(expr, 0.0)


def test_a_scalar_result_is_one_sample_without_labels(engine: Engine) -> None:
    assert engine.instant("1 + 2", 0.0) == [Sample({}, 3.0)]


def test_a_string_result_is_refused(engine: Engine) -> None:
    with pytest.raises(QueryError, match="string"):
        engine.instant('"text"', 0.0)


def test_the_evaluation_time_must_be_finite(engine: Engine) -> None:
    with pytest.raises(QueryError, match="finite"):
        engine.instant("c", math.nan)


def test_the_lookback_must_be_positive() -> None:
    with pytest.raises(QueryError, match="lookback"):
        Engine(SeriesStore(), lookback_delta=0.0)


def test_a_range_query_evaluates_every_step(engine: Engine) -> None:
    series = engine.query_range("rate(c[2m])", 120.0, 300.0, 60.0)
    assert [dict(s.labels) for s in series] == [{"job": "a"}, {"job": "b"}]
    np.testing.assert_array_equal(series[0].timestamps, [120.0, 180.0, 240.0, 300.0])
    np.testing.assert_array_equal(series[0].values, [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(series[1].values, [2.0, 2.0, 2.0, 2.0])


def test_a_range_query_keeps_only_the_steps_with_a_value(engine: Engine) -> None:
    [series] = engine.query_range('c{job="a"} > 100', 0.0, 300.0, 100.0)
    assert series.timestamps.tolist() == [200.0, 300.0]
    assert series.values.tolist() == [180.0, 300.0]


def test_a_range_query_includes_an_end_reached_by_float_steps(engine: Engine) -> None:
    [series] = engine.query_range("vector(1)", 0.0, 0.3, 0.1)
    assert len(series.timestamps) == 4


@pytest.mark.parametrize(("start", "end", "step"), [(0.0, 10.0, 0.0), (10.0, 0.0, 1.0)])
def test_a_range_query_needs_a_forward_range(
    engine: Engine, start: float, end: float, step: float
) -> None:
    with pytest.raises(QueryError):
        engine.query_range("c", start, end, step)


def test_evaluate_returns_label_tuples(engine: Engine) -> None:
    vector = engine.evaluate('c{job="a"}', 60.0)
    assert vector.labels == [labels_of("c", job="a")]
    assert vector.values.tolist() == [60.0]


def test_the_default_subquery_step_must_be_positive() -> None:
    with pytest.raises(QueryError, match="subquery_step"):
        Engine(SeriesStore(), subquery_step=0.0)
