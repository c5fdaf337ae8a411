"""What each univariate detector finds, on series built to show it."""

from __future__ import annotations

import numpy as np
import pytest

from dos.detect.detectors import CUSUM, EWMAZScore, RangeNovelty, SeasonalBaseline, SLOBurnRate
from dos.errors import ConfigError


def noise(n: int, seed: int = 1, level: float = 10.0) -> np.ndarray:
    return level + np.random.default_rng(seed).normal(0, 1, n)


def test_ewma_scores_a_spike_far_above_ordinary_noise() -> None:
    values = noise(1000)
    values[800] += 20
    scores = EWMAZScore().update_many(np.arange(1000.0), values)
    assert scores[800] > 0.8
    assert np.argmax(scores) == 800
    assert np.quantile(scores[100:], 0.99) < 0.5


def test_ewma_clipping_keeps_a_long_shift_anomalous_for_longer() -> None:
    values = np.concatenate([noise(500), noise(100, 2, level=30.0)])
    t = np.arange(600.0)
    plain = EWMAZScore(half_life=50).update_many(t, values)
    clipped = EWMAZScore(half_life=50, clip=4).update_many(t, values)
    assert np.sum(clipped[500:] > 0.6) > np.sum(plain[500:] > 0.6)


def test_cusum_reports_a_lasting_shift_once_then_relearns_the_level() -> None:
    values = np.concatenate([noise(600), noise(600, 3, level=14.0)])
    scores = CUSUM().update_many(np.arange(1200.0), values)
    crossings = np.flatnonzero(scores >= 0.5)
    assert len(crossings) >= 1
    assert 600 <= crossings[0] < 620
    assert np.all(crossings < 640)


def test_seasonal_baseline_learns_the_daily_shape_and_flags_a_break_in_it() -> None:
    step = 300.0
    times = step * np.arange(288 * 5)
    shape = 50 + 40 * np.sin(2 * np.pi * times / 86_400)
    values = shape + np.random.default_rng(4).normal(0, 1, len(times))
    anomaly = 288 * 4 + 72  # at the daily peak, the value drops to the daily mean
    values[anomaly] = 50.0
    scores = SeasonalBaseline(step=step).update_many(times, values)
    assert np.argmax(scores[288 * 3 :]) + 288 * 3 == anomaly
    assert scores[anomaly] > 0.6


def test_seasonal_step_must_divide_a_day() -> None:
    with pytest.raises(ConfigError, match=r"seasonal\.step"):
        SeasonalBaseline(step=7.0)


def test_range_novelty_scores_a_new_record_and_not_a_routine_spike() -> None:
    values = noise(2000, level=1.0) * 0.1
    values[::288] = 5.0  # a daily job, always the same height
    values[1500] = 9.0
    scores = RangeNovelty().update_many(np.arange(2000.0), values)
    assert scores[1500] > 0.99
    assert np.all(scores[600::288] < 0.5)


def test_range_novelty_sees_a_level_shift_within_its_run() -> None:
    values = np.concatenate([noise(1500, level=17.0), np.full(20, 75.0), noise(1500, 5, 17.0)])
    values = np.concatenate([values, noise(200, 6, level=28.0)])
    scores = RangeNovelty(history=1000).update_many(np.arange(len(values)), values)
    shift = 3020
    assert np.max(scores[shift : shift + 12]) > 0.9


def test_slo_burn_rate_fires_at_the_fast_burn_pair_and_not_below() -> None:
    step = 15.0
    budget = 0.001
    quiet = np.full(480, budget * 0.5)
    burning = np.full(480, budget * 20)  # 20x burn, above the 14.4x fast pair
    detector = SLOBurnRate(step=step)
    times = step * np.arange(960)
    scores = detector.update_many(times, np.concatenate([quiet, burning]))
    assert np.all(scores[:480] < 0.5)
    assert scores[-1] > 0.5
    first = np.flatnonzero(scores >= 0.5)[0]
    assert 480 < first < 480 + 240  # the 1 h window's mean passes 14.4x well within the hour


def test_slo_windows_must_be_long_short_factor_triples() -> None:
    with pytest.raises(ConfigError, match=r"slo.windows\[0\]"):
        SLOBurnRate(windows=[[300.0, 3600.0, 14.4]])
