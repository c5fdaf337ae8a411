"""One check suite over every univariate detector: streaming, equivalence, state, range."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dos.detect.detectors import UNIVARIATE, Detector, StreamingDetector, make_detector
from dos.errors import ConfigError

KEYS = sorted(UNIVARIATE)


def series(n: int = 3000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A noisy daily cycle with a spike, a level shift and a gap."""
    rng = np.random.default_rng(seed)
    times = 1_400_000_000.0 + 300.0 * np.arange(n)
    values = 50 + 10 * np.sin(2 * np.pi * times / 86_400) + rng.normal(0, 1, n)
    values[1500] += 60
    values[2200:] += 25
    values[1000:1010] = np.nan
    if n > 2500:
        values[2500] = 0.0
    return times, values / 100.0  # error ratios for the SLO detector stay in [0, 1]


@pytest.mark.parametrize("key", KEYS)
def test_detector_follows_the_protocol(key: str) -> None:
    assert isinstance(make_detector(key), Detector)


@pytest.mark.parametrize("key", KEYS)
def test_update_many_equals_updating_one_sample_at_a_time(key: str) -> None:
    times, values = series()
    whole = make_detector(key).update_many(times, values)
    single = make_detector(key)
    one_by_one = [single.update(t, v) for t, v in zip(times, values, strict=True)]
    chunked = make_detector(key)
    pieces = [
        chunked.update_many(times[a : a + 333], values[a : a + 333])
        for a in range(0, len(times), 333)
    ]
    assert whole.tolist() == one_by_one
    assert whole.tolist() == np.concatenate(pieces).tolist()


@pytest.mark.parametrize("key", KEYS)
def test_scores_lie_between_zero_and_one(key: str) -> None:
    scores = make_detector(key).update_many(*series())
    assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.parametrize("key", KEYS)
def test_a_restored_state_goes_on_exactly_like_the_original(key: str) -> None:
    times, values = series()
    original = make_detector(key)
    original.update_many(times[:2000], values[:2000])
    saved = json.loads(json.dumps(original.state(), allow_nan=True))
    restored = type(original).from_state(saved)
    assert isinstance(restored, StreamingDetector)
    assert restored.update_many(times[2000:], values[2000:]).tolist() == (
        original.update_many(times[2000:], values[2000:]).tolist()
    )


@pytest.mark.parametrize("key", KEYS)
def test_scores_never_depend_on_later_samples(key: str) -> None:
    times, values = series()
    altered = values.copy()
    altered[2000:] = altered[2000:] * 3 + 1
    first = make_detector(key).update_many(times, values)
    second = make_detector(key).update_many(times, altered)
    assert first[:2000].tolist() == second[:2000].tolist()
    assert first[2000:].tolist() != second[2000:].tolist()


@pytest.mark.parametrize("key", KEYS)
def test_a_gap_scores_zero_and_teaches_nothing(key: str) -> None:
    times, values = series()
    scores = make_detector(key).update_many(times, values)
    assert scores[1000:1010].tolist() == [0.0] * 10
    with_gap = make_detector(key)
    with_gap.update_many(times[:1200], values[:1200])
    without = make_detector(key)
    keep = ~np.isnan(values[:1200])
    without.update_many(times[:1200][keep], values[:1200][keep])
    if key != "seasonal":  # seasonal slots are keyed by time, so the state is the same too
        assert with_gap.update(times[1200], values[1200]) == without.update(
            times[1200], values[1200]
        )


@pytest.mark.parametrize("key", KEYS)
def test_an_unknown_setting_is_refused_with_its_name(key: str) -> None:
    with pytest.raises(ConfigError, match="bogus"):
        make_detector(key, {"bogus": 1.0})


def test_an_unknown_detector_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="ewma"):
        make_detector("nope")


def test_state_of_another_detector_is_refused() -> None:
    state = make_detector("ewma").state()
    with pytest.raises(ConfigError, match="cusum"):
        UNIVARIATE["cusum"].from_state(state)
