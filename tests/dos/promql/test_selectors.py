"""Instant and range selectors: lookback, stale markers, offsets, window ends."""

from __future__ import annotations

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.telemetry import STALE_NAN, labels_of
from dos.tsdb import SeriesStore

X = labels_of("x", job="api")
Y = labels_of("x", job="db")


def engine_with(samples: dict[float, float], lookback: float = 300.0) -> Engine:
    store = SeriesStore()
    for t, v in samples.items():
        store.append_sample(X, t, v)
    store.append_sample(Y, 0.0, 7.0)
    return Engine(store, lookback_delta=lookback)


def values(engine: Engine, expr: str, t: float) -> list[float]:
    return [s.value for s in engine.instant(expr, t) if s.labels.get("job") != "db"]


def test_an_instant_selector_takes_the_newest_sample_in_the_lookback() -> None:
    engine = engine_with({0.0: 1.0, 60.0: 2.0})
    assert values(engine, "x", 59.0) == [1.0]
    assert values(engine, "x", 60.0) == [2.0]
    assert values(engine, "x", 360.0) == [2.0]  # exactly the lookback away: still seen
    assert values(engine, "x", 360.5) == []


def test_the_lookback_delta_is_configurable() -> None:
    engine = engine_with({0.0: 1.0}, lookback=60.0)
    assert values(engine, "x", 60.0) == [1.0]
    assert values(engine, "x", 61.0) == []


def test_a_stale_marker_ends_the_series_at_once() -> None:
    engine = engine_with({0.0: 1.0, 60.0: STALE_NAN, 120.0: 3.0})
    assert values(engine, "x", 59.0) == [1.0]
    assert values(engine, "x", 60.0) == []
    assert values(engine, "x", 119.0) == []
    assert values(engine, "x", 120.0) == [3.0]


def test_selection_keeps_labels_and_name() -> None:
    engine = engine_with({0.0: 1.0})
    assert engine.instant('x{job="api"}', 0.0)[0].labels == {"__name__": "x", "job": "api"}


def test_all_four_matchers_filter() -> None:
    engine = engine_with({0.0: 1.0})
    jobs = {
        expr: sorted(s.labels["job"] for s in engine.instant(expr, 10.0))
        for expr in ('x{job="db"}', 'x{job!="db"}', 'x{job=~"a.*"}', 'x{job!~"a.*"}')
    }
    assert jobs == {
        'x{job="db"}': ["db"],
        'x{job!="db"}': ["api"],
        'x{job=~"a.*"}': ["api"],
        'x{job!~"a.*"}': ["db"],
    }


def test_offset_looks_back_and_a_negative_offset_ahead() -> None:
    engine = engine_with({0.0: 1.0, 60.0: 2.0, 120.0: 3.0})
    assert values(engine, "x offset 1m", 120.0) == [2.0]
    assert values(engine, "x offset -1m", 0.0) == [2.0]


def test_a_range_includes_both_ends_and_drops_stale_markers() -> None:
    engine = engine_with({0.0: 1.0, 60.0: 2.0, 120.0: STALE_NAN, 180.0: 4.0})
    assert values(engine, "count_over_time(x[3m])", 180.0) == [3.0]
    assert values(engine, "count_over_time(x[3m])", 180.5) == [2.0]
    assert values(engine, "count_over_time(x[1m])", 150.0) == []


def test_a_range_selector_alone_is_not_a_query_result() -> None:
    with pytest.raises(QueryError, match="range vector"):
        engine_with({0.0: 1.0}).instant("x[5m]", 0.0)
