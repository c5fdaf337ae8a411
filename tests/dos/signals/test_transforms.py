"""The signal stage's transforms, checked against hand-worked values and DOS's PromQL."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dos.errors import ConfigError
from dos.promql import Engine
from dos.signals import counter_increase, counter_rate, histogram_quantile, resample, safe_ratio
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


def test_a_counter_reset_counts_from_zero() -> None:
    assert counter_increase([5, 8, 2, 4]).tolist() == [0.0, 3.0, 2.0, 2.0]


def test_counter_rate_spans_the_trailing_window_across_a_reset() -> None:
    times = np.arange(0.0, 121.0, 15.0)
    values = np.array([0, 15, 30, 45, 60, 3, 18, 33, 48], dtype=float)
    rate = counter_rate(times, values, 60.0)
    assert math.isnan(rate[0])
    assert rate[4] == pytest.approx(1.0)
    # 60 -> 3 is a reset: 45 -> 60 -> (0) 3 -> 18 -> 33 adds 15 + 3 + 15 + 15 over 60 s.
    assert rate[7] == pytest.approx(48 / 60)


def test_safe_ratio_takes_zero_over_zero_as_nothing_happened() -> None:
    out = safe_ratio([0, 3, 1], [0, 0, 4])
    assert out[0] == 0.0
    assert math.isnan(out[1])
    assert out[2] == 0.25


def test_histogram_quantile_matches_the_promql_engine() -> None:
    store = SeriesStore()
    bounds = ["0.1", "0.25", "0.5", "1", "+Inf"]
    counts = [12.0, 40.0, 71.0, 90.0, 93.0]
    for le, count in zip(bounds, counts, strict=True):
        store.append_sample(labels_of("h_bucket", le=le), 0.0, count)
    engine = Engine(store)
    for q in (0.1, 0.5, 0.9, 0.99):
        (expected,) = engine.evaluate(f"histogram_quantile({q}, h_bucket)", 0.0).values.tolist()
        mine = histogram_quantile(q, [float(b) for b in bounds], counts)
        assert mine == pytest.approx(expected)


def test_histogram_quantile_refuses_a_quantile_outside_zero_to_one() -> None:
    with pytest.raises(ConfigError, match="q"):
        histogram_quantile(1.5, [1.0, float("inf")], [1.0, 2.0])


def test_resample_never_takes_a_sample_from_the_future_and_marks_gaps() -> None:
    times = np.array([0.0, 14.0, 31.0, 100.0])
    values = np.array([1.0, 2.0, 3.0, 4.0])
    grid, out = resample(times, values, 15.0)
    assert grid.tolist() == [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0]
    assert out[:5].tolist() == [1.0, 2.0, 2.0, 3.0, 3.0]
    assert np.isnan(out[5:]).all()  # more than two steps since the sample at 31 s
    _, strict = resample(times, values, 15.0, max_gap=15.0)
    assert np.isnan(strict[2])
