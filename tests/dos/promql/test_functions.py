"""The element-wise functions, time, vector, scalar, timestamp, the calendar and sorting."""

from __future__ import annotations

import math

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.promql.functions import FUNCTIONS
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


@pytest.fixture
def engine() -> Engine:
    store = SeriesStore()
    for pod, v in (("a", -1.5), ("b", 2.25), ("c", math.nan)):
        store.append_sample(labels_of("g", pod=pod), 0.0, v)
    store.append_sample(labels_of("one", pod="a"), 0.0, 7.0)
    return Engine(store)


def values(engine: Engine, expr: str) -> dict[str, float]:
    return {s.labels.get("pod", ""): s.value for s in engine.instant(expr, 10.0)}


@pytest.mark.parametrize(
    ("expr", "a", "b"),
    [
        ("abs(g)", 1.5, 2.25),
        ("ceil(g)", -1.0, 3.0),
        ("floor(g)", -2.0, 2.0),
        ("clamp_min(g, 0)", 0.0, 2.25),
        ("clamp_max(g, 0)", -1.5, 0.0),
        ("clamp(g, -1, 2)", -1.0, 2.0),
        ("round(g)", -1.0, 2.0),  # ties round up: -1.5 to -1
        ("round(g, 0.5)", -1.5, 2.5),  # 2.25 is a tie between 2 and 2.5
        ("sgn(g)", -1.0, 1.0),
        ("sqrt(g)", math.nan, 1.5),
        ("log2(g * -16)", 4.584962500721156, math.nan),
        ("exp(g - g)", 1.0, 1.0),
        ("deg(g * 0)", 0.0, 0.0),
    ],
)
def test_elementwise_functions_drop_the_name(
    engine: Engine, expr: str, a: float, b: float
) -> None:
    result = engine.instant(expr, 10.0)
    assert all("__name__" not in s.labels for s in result)
    got = values(engine, expr)
    assert [got["a"], got["b"]] == pytest.approx([a, b], nan_ok=True, rel=0, abs=0)
    assert math.isnan(got["c"])


def test_time_is_the_evaluation_time(engine: Engine) -> None:
    assert values(engine, "time()") == {"": 10.0}
    assert values(engine, "vector(time() * 2)") == {"": 20.0}


def test_scalar_needs_exactly_one_element(engine: Engine) -> None:
    assert values(engine, "scalar(one)") == {"": 7.0}
    assert math.isnan(values(engine, "scalar(g)")[""])
    assert math.isnan(values(engine, "scalar(nothing)")[""])


def test_a_scalar_can_scale_a_vector(engine: Engine) -> None:
    assert values(engine, "g * scalar(one)")["b"] == 15.75


@pytest.mark.parametrize(
    "expr",
    [
        "mad_over_time(g[5m])",
        'sort_by_label(g, "pod")',
        "double_exponential_smoothing(g[5m], 0.5, 0.5)",
    ],
)
def test_a_function_newer_than_prometheus_2_42_is_refused_by_name(
    engine: Engine, expr: str
) -> None:
    with pytest.raises(QueryError, match=expr.split("(")[0] + r"\(\) \(not in Prometheus 2.42"):
        engine.instant(expr, 0.0)


# Every function of Prometheus 2.42's PromQL (promql/functions.go's FunctionCalls).
PROMETHEUS_2_42 = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "exp", "floor", "histogram_count", "histogram_fraction",
    "histogram_quantile", "histogram_sum", "holt_winters", "hour", "idelta", "increase",
    "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
    "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear",
    "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar",
    "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time",
    "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
}  # fmt: skip


def test_the_function_table_and_its_special_nodes_cover_prometheus_2_42() -> None:
    assert set(FUNCTIONS) | {"absent", "absent_over_time", "timestamp"} == PROMETHEUS_2_42


def test_clamp_with_its_bounds_crossed_gives_nothing(engine: Engine) -> None:
    assert values(engine, "clamp(g, 2, 1)") == {}


def test_log2_of_a_power_of_two_is_exact(engine: Engine) -> None:
    assert values(engine, "log2(one * 0 + 1024)") == {"a": 10.0}
    assert values(engine, "log10(one * 0 + 1000)") == {"a": 3.0}


def test_pi_is_a_scalar(engine: Engine) -> None:
    assert values(engine, "pi()") == {"": math.pi}


def test_timestamp_of_a_selector_is_its_samples_time(engine: Engine) -> None:
    engine.store.append_sample(labels_of("late", pod="a"), 7.5, 1.0)
    assert values(engine, "timestamp(late)") == {"a": 7.5}
    assert values(engine, "timestamp(late @ 8)") == {"a": 7.5}
    # Anything else is stamped with the evaluation time.
    assert values(engine, "timestamp(late + 1)") == {"a": 10.0}


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        ("minute", 46.0),
        ("hour", 21.0),
        ("day_of_week", 0.0),  # a Sunday
        ("day_of_month", 9.0),
        ("day_of_year", 252.0),  # 243 days to the end of August, then 9
        ("days_in_month", 30.0),
        ("month", 9.0),
        ("year", 2001.0),
    ],
)
def test_calendar_functions_read_unix_seconds_in_utc(fn: str, expected: float) -> None:
    store = SeriesStore()
    store.append_sample(labels_of("t", pod="a"), 0.0, 1e9)  # 2001-09-09T01:46:40Z
    engine = Engine(store)
    shifted = "t + 20 * 3600" if fn == "hour" else "t"
    assert values(engine, f"{fn}({shifted})") == {"a": expected}


def test_calendar_functions_default_to_the_evaluation_time() -> None:
    engine = Engine(SeriesStore())
    assert engine.instant("year()", 951782400.0)[0].value == 2000.0  # 2000-02-29
    assert engine.instant("days_in_month()", 951782400.0)[0].value == 29.0


def test_sort_orders_by_value_with_nan_last(engine: Engine) -> None:
    assert [s.labels["pod"] for s in engine.instant("sort(g)", 10.0)] == ["a", "b", "c"]
    assert [s.labels["pod"] for s in engine.instant("sort_desc(g)", 10.0)] == ["b", "a", "c"]
    assert engine.instant("sort(g)", 10.0)[0].labels["__name__"] == "g"


def test_the_native_histogram_functions_see_no_float_series(engine: Engine) -> None:
    assert values(engine, "histogram_count(g)") == {}
    assert values(engine, "histogram_fraction(0, 1, g)") == {}
