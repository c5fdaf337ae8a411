"""Binary operators: arithmetic, comparisons, bool, vector matching and set operators."""

from __future__ import annotations

import math

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


@pytest.fixture
def engine() -> Engine:
    store = SeriesStore()
    series = [
        ("usage", {"ns": "n", "pod": "a", "container": "c1"}, 6.0),
        ("usage", {"ns": "n", "pod": "a", "container": "c2"}, 3.0),
        ("usage", {"ns": "n", "pod": "b", "container": "c1"}, 12.0),
        ("limit", {"ns": "n", "pod": "a", "team": "x"}, 2.0),
        ("limit", {"ns": "n", "pod": "b", "team": "y"}, 4.0),
        ("req", {"pod": "a"}, 10.0),
        ("req", {"pod": "b"}, 0.0),
        ("err", {"pod": "a"}, 1.0),
        ("err", {"pod": "b"}, 0.0),
    ]
    for name, labels, v in series:
        store.append_sample(labels_of(name, labels), 0.0, v)
    return Engine(store)


def result(engine: Engine, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for s in engine.instant(expr, 0.0)}


def scalar(engine: Engine, expr: str) -> float:
    [sample] = engine.instant(expr, 0.0)
    assert sample.labels == {}
    return sample.value


def test_arithmetic_with_a_scalar_drops_the_name(engine: Engine) -> None:
    assert result(engine, "req * 2") == {(("pod", "a"),): 20.0, (("pod", "b"),): 0.0}
    assert result(engine, "100 - req") == {(("pod", "a"),): 90.0, (("pod", "b"),): 100.0}


def test_a_comparison_filters_and_keeps_name_and_value(engine: Engine) -> None:
    assert result(engine, "req > 5") == {(("__name__", "req"), ("pod", "a")): 10.0}
    # With the scalar on the left the value kept is still the vector's.
    assert result(engine, "5 < req") == {(("__name__", "req"), ("pod", "a")): 10.0}


def test_bool_turns_a_comparison_into_zero_or_one(engine: Engine) -> None:
    assert result(engine, "req > bool 5") == {(("pod", "a"),): 1.0, (("pod", "b"),): 0.0}
    assert scalar(engine, "1 < bool 2") == 1.0
    assert scalar(engine, "2 == bool 3") == 0.0


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1 / 0", math.inf),
        ("-1 / 0", -math.inf),
        ("7 % 3", 1.0),
        ("-7 % 3", -1.0),
        ("7 % -3", 1.0),
        ("2 ^ 10", 1024.0),
        ("2 ^ -1", 0.5),
        ("(1 + 2) * 3 - 4 / 2", 7.0),
        ("2 ^ 3 ^ 2", 512.0),
    ],
)
def test_scalar_arithmetic_follows_go(engine: Engine, expr: str, expected: float) -> None:
    assert scalar(engine, expr) == expected


@pytest.mark.parametrize("expr", ["0 / 0", "5 % 0", "(-8) ^ 0.5", "(0/0) + 1"])
def test_undefined_arithmetic_gives_nan(engine: Engine, expr: str) -> None:
    assert math.isnan(scalar(engine, expr))


def test_vectors_match_on_all_labels_but_the_name(engine: Engine) -> None:
    assert result(engine, "err / req") == {(("pod", "a"),): 0.1, (("pod", "b"),): math.nan} or (
        math.isnan(result(engine, "err / req")[(("pod", "b"),)])
    )
    assert result(engine, "err / req > 0.05") == {(("pod", "a"),): 0.1}


def test_on_and_ignoring_choose_the_matching_labels(engine: Engine) -> None:
    assert result(engine, "limit * on (pod) req") == {(("pod", "a"),): 20.0, (("pod", "b"),): 0.0}
    assert result(engine, "limit * ignoring (team, ns) req") == {
        (("pod", "a"),): 20.0,
        (("pod", "b"),): 0.0,
    }


def test_group_left_joins_many_to_one_and_copies_extra_labels(engine: Engine) -> None:
    joined = result(engine, "usage / on (ns, pod) group_left (team) limit")
    assert joined == {
        (("container", "c1"), ("ns", "n"), ("pod", "a"), ("team", "x")): 3.0,
        (("container", "c2"), ("ns", "n"), ("pod", "a"), ("team", "x")): 1.5,
        (("container", "c1"), ("ns", "n"), ("pod", "b"), ("team", "y")): 3.0,
    }


def test_group_right_is_the_mirror_image(engine: Engine) -> None:
    joined = result(engine, "limit * on (ns, pod) group_right (team) usage")
    assert joined[(("container", "c2"), ("ns", "n"), ("pod", "a"), ("team", "x"))] == 6.0
    assert len(joined) == 3


def test_a_grouped_comparison_keeps_the_many_sides_labels(engine: Engine) -> None:
    over = result(engine, "usage > on (ns, pod) group_left limit")
    assert over == {
        (("__name__", "usage"), ("container", "c1"), ("ns", "n"), ("pod", "a")): 6.0,
        (("__name__", "usage"), ("container", "c2"), ("ns", "n"), ("pod", "a")): 3.0,
        (("__name__", "usage"), ("container", "c1"), ("ns", "n"), ("pod", "b")): 12.0,
    }


def test_one_to_one_matching_with_several_left_matches_fails(engine: Engine) -> None:
    with pytest.raises(QueryError, match="many-to-one matching must be explicit"):
        engine.instant("usage / on (ns, pod) limit", 0.0)


def test_a_comparison_that_filters_the_duplicates_out_is_fine(engine: Engine) -> None:
    # Pod a has two usage series, but only one of them passes the comparison.
    assert result(engine, "usage > on (ns, pod) limit * 2") == {
        (("ns", "n"), ("pod", "a")): 6.0,
        (("ns", "n"), ("pod", "b")): 12.0,
    }


def test_duplicates_on_the_one_side_fail(engine: Engine) -> None:
    with pytest.raises(QueryError, match="found duplicate series for the match group"):
        engine.instant("limit / on (ns) usage", 0.0)


def test_grouping_that_leaves_results_ambiguous_fails(engine: Engine) -> None:
    with pytest.raises(QueryError, match="grouping labels must ensure unique matches"):
        engine.instant('{__name__=~"req|err"} + on (pod) group_left limit', 0.0)


def test_results_with_the_same_labels_fail(engine: Engine) -> None:
    with pytest.raises(QueryError, match="same labelset"):
        engine.instant('{__name__=~"req|err"} * 2', 0.0)


def test_set_operators(engine: Engine) -> None:
    assert result(engine, "req and err > 0") == {(("__name__", "req"), ("pod", "a")): 10.0}
    assert result(engine, "req unless err > 0") == {(("__name__", "req"), ("pod", "b")): 0.0}
    assert result(engine, "err > 0 or req") == {
        (("__name__", "err"), ("pod", "a")): 1.0,
        (("__name__", "req"), ("pod", "b")): 0.0,
    }
    assert len(result(engine, "limit and on (pod) req")) == 2
    assert result(engine, "nothing or req") == result(engine, "req")


def test_negation_drops_the_name(engine: Engine) -> None:
    assert result(engine, "-req") == {(("pod", "a"),): -10.0, (("pod", "b"),): -0.0}
