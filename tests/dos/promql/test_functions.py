"""The simple functions: abs, ceil, floor, clamps, time, vector, scalar."""

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
    ],
)
def test_elementwise_functions_drop_the_name(
    engine: Engine, expr: str, a: float, b: float
) -> None:
    result = engine.instant(expr, 10.0)
    assert all("__name__" not in s.labels for s in result)
    got = values(engine, expr)
    assert (got["a"], got["b"]) == (a, b)
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


@pytest.mark.parametrize("name", ["label_replace", "topk", "holt_winters", "sort"])
def test_an_unsupported_function_is_refused_by_name(engine: Engine, name: str) -> None:
    exprs = {
        "label_replace": 'label_replace(g, "a", "$1", "pod", "(.*)")',
        "topk": "topk(1, g)",
        "holt_winters": "holt_winters(g[5m], 0.5, 0.5)",
        "sort": "sort(g)",
    }
    with pytest.raises(QueryError, match=name):
        engine.instant(exprs[name], 0.0)


def test_the_function_table_knows_every_function_of_this_cut() -> None:
    assert set(FUNCTIONS) == {
        "abs", "avg_over_time", "ceil", "clamp_max", "clamp_min", "count_over_time", "delta",
        "floor", "histogram_quantile", "increase", "irate", "last_over_time", "max_over_time",
        "min_over_time", "rate", "scalar", "sum_over_time", "time", "vector",
    }  # fmt: skip
