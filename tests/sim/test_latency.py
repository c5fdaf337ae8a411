"""The latency distribution: its CDF, moments, bucket probabilities and quantiles agree."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.latency import BUCKETS, bin_probabilities, cdf, moments, quantiles, sample


def test_quantile_of_one_component_is_the_shifted_exponentials() -> None:
    a, b = np.array([0.02]), np.array([0.01])
    q, t = np.zeros(1), np.array([3.0])
    p99 = quantiles(0.99, a, b, q, t, np.ones(1), np.zeros(1, dtype=np.intp), 1)
    assert p99[0] == pytest.approx(0.02 + 0.01 * math.log(100), rel=1e-6)


def test_quantile_past_the_timeout_share_is_the_timeout() -> None:
    a, b, q, t = (np.array([v]) for v in (0.1, 0.05, 0.2, 2.0))
    assert quantiles(0.9, a, b, q, t, np.ones(1), np.zeros(1, dtype=np.intp), 1)[0] == 2.0


def test_mixture_quantiles_are_per_group_and_weighted() -> None:
    a = np.array([0.01, 0.5, 0.2])
    b = np.array([0.001, 0.001, 0.001])
    zeros, t = np.zeros(3), np.full(3, 5.0)
    groups = np.array([0, 0, 1], dtype=np.intp)
    # Group 0 holds 99.5 % of its weight at ~10 ms: its p99 stays there.
    p99 = quantiles(0.99, a, b, zeros, t, np.array([995.0, 5.0, 1.0]), groups, 3)
    assert 0.01 < p99[0] < 0.02
    assert p99[1] == pytest.approx(0.2 + 0.001 * math.log(100), rel=1e-6)
    assert p99[2] == 0.0


def test_bin_probabilities_sum_to_one_and_match_the_cdf() -> None:
    a, b, q, t = 0.03, 0.04, 0.1, 0.3
    probs = bin_probabilities(np.array(a), np.array(b), np.array(q), np.array(t))
    assert probs.shape == (len(BUCKETS) + 2,)
    assert probs.sum() == pytest.approx(1.0)
    assert probs[:5].sum() == pytest.approx(cdf(np.array(0.1), a, b, q, t))
    # Bucket (0.25, 0.5] holds what finished between 250 ms and the 300 ms timeout; every
    # request reaching the timeout is in the last slot, so the higher buckets stay empty.
    below_timeout = cdf(np.array(0.2999999), a, b, q, t)
    assert probs[6] == pytest.approx(below_timeout - cdf(np.array(0.25), a, b, q, t), rel=1e-4)
    assert probs[7:-1].sum() == 0.0
    assert probs[-1] == pytest.approx(1.0 - below_timeout, rel=1e-4)


def test_moments_match_draws_from_the_same_distribution() -> None:
    rng = np.random.default_rng(7)
    a, b, q, t = 0.05, 0.2, 0.05, 0.5
    draws = np.array([sample(rng, a, b, q, t) for _ in range(100_000)])
    mean, second = moments(np.array(a), np.array(b), np.array(q), np.array(t))
    assert draws.mean() == pytest.approx(mean, rel=0.01)
    assert (draws**2).mean() == pytest.approx(second, rel=0.01)
    assert (draws >= t).mean() == pytest.approx(1 - cdf(np.array(t - 1e-9), a, b, q, t), abs=0.005)
