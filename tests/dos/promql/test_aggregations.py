"""sum, avg, min, max and count, with by and without."""

from __future__ import annotations

import math

import pytest

from dos.promql import Engine
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore

PODS = {
    ("a", "cart", "n1"): 1.0,
    ("b", "cart", "n2"): 2.0,
    ("c", "shop", "n1"): 4.0,
    ("d", "shop", "n1"): 8.0,
}


@pytest.fixture
def engine() -> Engine:
    store = SeriesStore()
    for (pod, service, node), v in PODS.items():
        store.append_sample(labels_of("cpu", pod=pod, service=service, node=node), 0.0, v)
    return Engine(store)


def result(engine: Engine, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for s in engine.instant(expr, 0.0)}


@pytest.mark.parametrize(
    ("op", "cart", "shop"),
    [("sum", 3.0, 12.0), ("avg", 1.5, 6.0), ("min", 1.0, 4.0), ("max", 2.0, 8.0), ("count", 2, 2)],
)
def test_each_operator_aggregates_by_service(
    engine: Engine, op: str, cart: float, shop: float
) -> None:
    assert result(engine, f"{op} by (service) (cpu)") == {
        (("service", "cart"),): cart,
        (("service", "shop"),): shop,
    }


def test_without_drops_the_listed_labels_and_the_name(engine: Engine) -> None:
    assert result(engine, "sum without (pod, service) (cpu)") == {
        (("node", "n1"),): 13.0,
        (("node", "n2"),): 2.0,
    }


def test_no_grouping_gives_one_element_without_labels(engine: Engine) -> None:
    assert result(engine, "sum(cpu)") == {(): 15.0}
    assert result(engine, "count by () (cpu)") == {(): 4.0}


def test_by_a_missing_label_groups_everything_together(engine: Engine) -> None:
    assert result(engine, "max by (zone) (cpu)") == {(): 8.0}


def test_by_name_keeps_the_metric_name(engine: Engine) -> None:
    assert result(engine, "min by (__name__) (cpu)") == {(("__name__", "cpu"),): 1.0}


def test_groups_appear_in_order_of_their_first_element(engine: Engine) -> None:
    services = [s.labels["node"] for s in engine.instant("sum by (node) (cpu)", 0.0)]
    assert services == ["n1", "n2"]


def test_an_empty_input_gives_an_empty_result(engine: Engine) -> None:
    assert engine.instant("sum(nothing)", 0.0) == []


def nan_engine(*values: float) -> Engine:
    store = SeriesStore()
    for i, v in enumerate(values):
        store.append_sample(labels_of("g", i=str(i)), 0.0, v)
    return Engine(store)


def test_max_and_min_ignore_nan_unless_every_value_is_nan() -> None:
    assert nan_engine(math.nan, 2.0, 1.0).instant("max(g)", 0.0)[0].value == 2.0
    assert nan_engine(math.nan, 2.0, 1.0).instant("min(g)", 0.0)[0].value == 1.0
    assert math.isnan(nan_engine(math.nan, math.nan).instant("max(g)", 0.0)[0].value)


def test_sum_and_count_include_nan() -> None:
    assert math.isnan(nan_engine(1.0, math.nan).instant("sum(g)", 0.0)[0].value)
    assert nan_engine(1.0, math.nan).instant("count(g)", 0.0)[0].value == 2.0


def test_avg_is_a_running_mean_that_survives_huge_values() -> None:
    assert nan_engine(1e308, 1e308).instant("avg(g)", 0.0)[0].value == 1e308
    assert nan_engine(1e308, 1e308).instant("sum(g)", 0.0)[0].value == math.inf


def test_avg_of_infinities() -> None:
    assert nan_engine(math.inf, 1.0).instant("avg(g)", 0.0)[0].value == math.inf
    assert math.isnan(nan_engine(math.inf, -math.inf).instant("avg(g)", 0.0)[0].value)
    assert nan_engine(math.inf, math.inf).instant("avg(g)", 0.0)[0].value == math.inf


def test_sums_fold_in_series_order() -> None:
    # 1e16 + 1 + 1 loses both ones when added in order; a pairwise sum would keep them.
    assert nan_engine(1e16, 1.0, 1.0).instant("sum(g)", 0.0)[0].value == 1e16
