"""Throughput of the univariate detectors (target: 200,000 samples/s each) and NAB's table.

``pytest benchmarks/test_bench_detectors.py --benchmark-enable --benchmark-only -s`` prints
every DOS detector's NAB scores on the 17 AWS CloudWatch files beside the published ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from dos.detect.detectors import UNIVARIATE, make_detector
from dos.nab import NABCorpus, evaluate_scores, published_table
from experiments.replay import default_nab_root, format_table

SAMPLES = 100_000
TARGET = 200_000  # samples per second, per detector


def stream() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    times = 300.0 * np.arange(SAMPLES)
    values = 0.01 * (50 + 10 * np.sin(2 * np.pi * times / 86_400) + rng.normal(0, 1, SAMPLES))
    return times, values


@pytest.mark.parametrize("key", sorted(UNIVARIATE))
def test_univariate_throughput(benchmark, key: str) -> None:  # type: ignore[no-untyped-def]
    times, values = stream()
    scores = benchmark.pedantic(
        lambda: make_detector(key).update_many(times, values), rounds=3, iterations=1
    )
    assert len(scores) == SAMPLES
    rate = SAMPLES / benchmark.stats.stats.mean
    benchmark.extra_info["samples_per_second"] = round(rate)
    print(f"\n{key}: {rate:,.0f} samples/s")
    assert rate >= TARGET, f"{key}: {rate:,.0f} samples/s, below {TARGET:,}"


def test_nab_table(benchmark) -> None:  # type: ignore[no-untyped-def]
    corpus = NABCorpus.load(default_nab_root())
    series = {name: corpus.read(name) for name in corpus.files}

    def table() -> dict[str, dict[str, float]]:
        rows = published_table(corpus)
        for key in sorted(k for k in UNIVARIATE if k != "slo"):
            scores = {n: make_detector(key).update_many(t, v) for n, (t, v) in series.items()}
            rows[f"dos:{key}"] = evaluate_scores(corpus, key, scores).scores
        return rows

    rows = benchmark.pedantic(table, rounds=1, iterations=1)
    print("\n" + format_table(rows))
    assert rows["dos:novelty"]["standard"] > rows["windowedGaussian"]["standard"]
