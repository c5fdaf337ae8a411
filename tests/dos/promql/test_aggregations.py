"""sum, avg, min, max and count, with by and without."""

from __future__ import annotations

import math

import pytest

from dos.errors import QueryError
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


def test_a_group_of_negative_zeros_sums_to_negative_zero() -> None:
    [total] = nan_engine(-0.0, -0.0).instant("sum(g)", 0.0)
    [mixed] = nan_engine(-0.0, 0.0).instant("sum(g)", 0.0)
    assert math.copysign(1, total.value) == -1.0
    assert math.copysign(1, mixed.value) == 1.0


def pods(engine: Engine, expr: str) -> list[tuple[str, float]]:
    return [(s.labels["pod"], s.value) for s in engine.instant(expr, 0.0)]


def test_topk_and_bottomk_keep_whole_elements_largest_or_smallest_first(engine: Engine) -> None:
    assert pods(engine, "topk(2, cpu)") == [("d", 8.0), ("c", 4.0)]
    assert pods(engine, "bottomk by (service) (1, cpu)") == [("a", 1.0), ("c", 4.0)]
    assert engine.instant("topk(1, cpu)", 0.0)[0].labels["__name__"] == "cpu"


def test_topk_truncates_k_and_an_empty_k_gives_nothing(engine: Engine) -> None:
    assert pods(engine, "topk(1.9, cpu)") == [("d", 8.0)]
    assert pods(engine, "topk(0, cpu)") == []
    assert pods(engine, "bottomk(-3, cpu)") == []
    assert len(pods(engine, "topk(10, cpu)")) == 4


def test_a_k_that_is_not_an_integer_is_an_error(engine: Engine) -> None:
    with pytest.raises(QueryError, match="Scalar value NaN overflows int64"):
        engine.instant("topk(NaN, cpu)", 0.0)
    with pytest.raises(QueryError, match=r"Scalar value 1e\+19 overflows int64"):
        engine.instant("bottomk(1e19, cpu)", 0.0)


def test_nan_loses_to_every_number_in_topk_and_bottomk() -> None:
    engine = nan_engine(math.nan, 2.0, 1.0)
    assert [s.value for s in engine.instant("topk(2, g)", 0.0)] == [2.0, 1.0]
    assert [s.value for s in engine.instant("bottomk(2, g)", 0.0)] == [1.0, 2.0]
    assert math.isnan(engine.instant("topk(3, g)", 0.0)[2].value)


def test_quantile_interpolates_between_ranks(engine: Engine) -> None:
    # Values 1, 2, 4, 8: rank 0.5 * 3 = 1.5 lies between 2 and 4.
    assert result(engine, "quantile(0.5, cpu)") == {(): 3.0}
    # Rank 2.7: 0.7 of the way from 4 to 8, weighted as Prometheus weighs it.
    weight = 0.9 * 3 - 2
    assert result(engine, "quantile(0.9, cpu)") == {(): 4.0 * (1 - weight) + 8.0 * weight}
    assert result(engine, "quantile by (service) (0, cpu)") == {
        (("service", "cart"),): 1.0,
        (("service", "shop"),): 4.0,
    }
    assert result(engine, "quantile(-1, cpu)") == {(): -math.inf}
    assert result(engine, "quantile(1.5, cpu)") == {(): math.inf}
    assert math.isnan(result(engine, "quantile(NaN, cpu)")[()])


def test_stddev_and_stdvar_are_population_statistics(engine: Engine) -> None:
    # 1, 2, 4, 8: mean 3.75, squared deviations 7.5625 + 3.0625 + 0.0625 + 18.0625 = 28.75.
    assert result(engine, "stdvar(cpu)") == {(): 28.75 / 4}
    assert result(engine, "stddev(cpu)") == {(): math.sqrt(28.75 / 4)}
    assert result(engine, "stdvar by (service) (cpu)") == {
        (("service", "cart"),): 0.25,
        (("service", "shop"),): 4.0,
    }


def test_group_is_one_per_group(engine: Engine) -> None:
    assert result(engine, "group by (node) (cpu)") == {
        (("node", "n1"),): 1.0,
        (("node", "n2"),): 1.0,
    }


def test_count_values_counts_elements_per_value_written_as_go_writes_it() -> None:
    engine = nan_engine(1.0, 1.0, 2.5, 1e20, -0.0)
    assert result(engine, 'count_values("v", g)') == {
        (("v", "1"),): 2.0,
        (("v", "2.5"),): 1.0,
        (("v", "100000000000000000000"),): 1.0,
        (("v", "-0"),): 1.0,
    }


def test_count_values_groups_with_by_and_without(engine: Engine) -> None:
    assert (
        result(engine, 'count_values by (service) ("node", cpu)')[
            (("node", "1"), ("service", "cart"))
        ]
        == 1.0
    )
    without = result(engine, 'count_values without (pod, node) ("v", cpu)')
    assert without[(("service", "shop"), ("v", "8"))] == 1.0
    with pytest.raises(QueryError, match='invalid label name "1v"'):
        engine.instant('count_values("1v", cpu)', 0.0)
