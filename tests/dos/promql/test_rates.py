"""rate, increase, delta and irate: extrapolation, counter resets and staleness.

Expected values are worked out by hand from Prometheus' extrapolation rules.
"""

from __future__ import annotations

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.telemetry import STALE_NAN, labels_of
from dos.tsdb import SeriesStore

X = labels_of("x", job="api")


def engine_with(samples: dict[float, float]) -> Engine:
    store = SeriesStore()
    for t, v in samples.items():
        store.append_sample(X, t, v)
    return Engine(store)


def value(engine: Engine, expr: str, t: float) -> float | None:
    result = engine.instant(expr, t)
    assert len(result) <= 1
    return result[0].value if result else None


def test_rate_of_a_steady_counter_is_its_slope() -> None:
    engine = engine_with({t: t for t in range(0, 601, 60)})
    assert value(engine, "rate(x[5m])", 600) == 1.0
    assert value(engine, "increase(x[5m])", 600) == 300.0


def test_rate_drops_the_metric_name() -> None:
    engine = engine_with({t: t for t in range(0, 601, 60)})
    assert engine.instant("rate(x[5m])", 600)[0].labels == {"job": "api"}


def test_samples_near_the_edges_are_extrapolated_to_the_edges() -> None:
    # Samples at 330..570 every 60 s: 30 s from each edge of [300, 600], under 1.1 * 60.
    engine = engine_with({t: t for t in range(30, 601, 60)})
    assert value(engine, "increase(x[5m])", 600) == 300.0


def test_a_gap_over_1_1_intervals_extrapolates_half_an_interval_only() -> None:
    # First sample 120 s after the window opens (> 66 s): add 30 s at the start only.
    engine = engine_with({t: t for t in range(420, 601, 60)})
    assert value(engine, "increase(x[5m])", 600) == 210.0


def test_a_counter_is_not_extrapolated_below_zero() -> None:
    # 10 at 360 rising 1/s: zero was reached at 350, closer than the window start (300).
    engine = engine_with({360.0: 10.0, 420.0: 70.0, 480.0: 130.0, 540.0: 190.0, 600.0: 250.0})
    assert value(engine, "increase(x[5m])", 600) == pytest.approx(250.0, rel=1e-12)
    # delta is for gauges: it extrapolates the full 60 s.
    assert value(engine, "delta(x[5m])", 600) == 300.0


def test_a_counter_reset_adds_the_value_before_the_reset() -> None:
    engine = engine_with({300.0: 10.0, 360.0: 20.0, 420.0: 5.0, 480.0: 15.0})
    assert value(engine, "increase(x[3m])", 480) == 25.0
    assert value(engine, "rate(x[3m])", 480) == 25.0 / 180
    assert value(engine, "delta(x[3m])", 480) == 5.0


def test_several_resets_each_add_their_value() -> None:
    engine = engine_with({300.0: 10.0, 360.0: 2.0, 420.0: 1.0, 480.0: 4.0})
    assert value(engine, "increase(x[3m])", 480) == 4.0 - 10.0 + 10.0 + 2.0


def test_a_reset_before_the_window_does_not_count() -> None:
    engine = engine_with({240.0: 50.0, 300.0: 10.0, 360.0: 20.0, 420.0: 30.0, 480.0: 40.0})
    assert value(engine, "increase(x[3m])", 480) == 30.0


def test_stale_markers_inside_a_window_are_skipped() -> None:
    engine = engine_with({300.0: 0.0, 360.0: 60.0, 420.0: STALE_NAN, 480.0: 180.0})
    assert value(engine, "rate(x[3m])", 480) == 1.0


def test_fewer_than_two_samples_give_no_rate() -> None:
    engine = engine_with({300.0: 1.0, 480.0: 2.0})
    assert engine.instant("rate(x[1m])", 480) == []
    assert engine.instant("irate(x[1m])", 480) == []
    assert value(engine, "rate(x[5m])", 480) is not None


def test_irate_uses_the_last_two_samples() -> None:
    engine = engine_with({300.0: 0.0, 360.0: 20.0, 420.0: 5.0, 480.0: 15.0})
    assert value(engine, "irate(x[5m])", 480) == 10.0 / 60
    assert value(engine, "irate(x[5m])", 420) == 5.0 / 60  # a reset: the counter restarted


def test_irate_skips_a_trailing_stale_marker() -> None:
    engine = engine_with({300.0: 0.0, 360.0: 30.0, 420.0: STALE_NAN})
    assert value(engine, "irate(x[5m])", 420) == 0.5


def test_offset_moves_the_window_back() -> None:
    engine = engine_with({t: t * (2 if t > 300 else 1) for t in range(0, 601, 60)})
    assert value(engine, "rate(x[4m] offset 5m)", 600) == 1.0


@pytest.mark.parametrize("expr", ["rate(x)", "rate(x[5m], 1)"])
def test_rate_needs_one_range_vector(expr: str) -> None:
    with pytest.raises(QueryError, match="parse error"):
        engine_with({0.0: 1.0}).instant(expr, 0)


def test_idelta_is_the_difference_of_the_last_two_samples_even_across_a_reset() -> None:
    engine = engine_with({0.0: 5.0, 60.0: 9.0, 120.0: 2.0})
    assert value(engine, "idelta(x[5m])", 120.0) == -7.0
    assert value(engine, "irate(x[5m])", 120.0) == 2.0 / 60.0


def test_samples_a_millisecond_apart_are_a_millisecond_apart() -> None:
    engine = engine_with({0.1: 0.0, 0.3: 1.0})
    assert value(engine, "irate(x[1s])", 0.3) == 5.0
