"""Adversarial input series for generated rule tests, in promtool's notation.

Each case draws a counter family, a gauge family, a classic histogram and an error/request
counter pair, then damages them the ways real scrapes are damaged: gaps shorter and longer
than the 5-minute lookback, stale markers, counter resets, NaN values, series that appear
late or vanish, traffic that stops (rates of 0, and 0/0 ratios) and histograms that never
see an observation.
"""

from __future__ import annotations

import math

import numpy as np

LOOKBACK = 300.0
STALE = "stale"
Value = float | str | None
"""A sample: a number, a stale marker, or None when the scrape is missing."""


Source = tuple[float, int, dict[str, str], dict[str, object]]
"""A case's input: interval, number of steps, series, and what they offer rules."""


def render(values: list[Value]) -> str:
    """Write samples as promtool's input notation."""
    return " ".join(_token(v) for v in values)


def _token(value: Value) -> str:
    if value is None:
        return "_"
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(float(value))


def adversarial(rng: np.random.Generator) -> Source:
    """Draw one case's damaged series."""
    interval = float(rng.choice([15.0, 30.0, 60.0]))
    steps = int(rng.integers(24, 56))
    jobs = ["api", "db", "web"][: int(rng.integers(1, 4))]
    series: dict[str, str] = {}
    for job in jobs:
        for instance in range(int(rng.integers(1, 3))):
            where = f'job="{job}",instance="i{instance}"'
            series[f"c_total{{{where}}}"] = render(_damaged(rng, _counter(rng, steps), interval))
            series[f"g{{{where}}}"] = render(_damaged(rng, _gauge(rng, steps), interval))
        series.update(_histogram(rng, steps, job, interval))
        requests = _counter(rng, steps)
        errors = _errors(rng, requests)
        series[f'req_total{{job="{job}"}}'] = render(_damaged(rng, requests, interval))
        series[f'err_total{{job="{job}"}}'] = render(_damaged(rng, errors, interval))
    catalog: dict[str, object] = {
        "counters": ["c_total"],
        "gauges": ["g"],
        "histograms": ["h"],
        "ratios": [("err_total", "req_total")],
        "group_by": "job",
        "groups": jobs,
    }
    return interval, steps, series, catalog


def _counter(rng: np.random.Generator, steps: int) -> list[Value]:
    rates = rng.choice([0.0, 0.5, 1.0, 3.0, 10.0], size=steps, p=[0.25, 0.2, 0.2, 0.2, 0.15])
    # Traffic comes in spells: hold each drawn rate for a while.
    spells = np.repeat(rates[:: max(steps // 6, 1)], max(steps // 6, 1))[:steps]
    spells = np.pad(spells, (0, steps - len(spells)), mode="edge")
    values = float(rng.integers(0, 50)) + np.cumsum(spells * rng.integers(1, 20, size=steps))
    out: list[Value] = [float(v) for v in values]
    if rng.random() < 0.5:  # a counter reset: the process restarted from near zero
        at = int(rng.integers(1, steps))
        restart = float(rng.integers(0, 5))
        out[at:] = [float(v - values[at]) + restart for v in values[at:]]
    return out


def _errors(rng: np.random.Generator, requests: list[Value]) -> list[Value]:
    share = float(rng.choice([0.0, 0.01, 0.05, 0.3]))
    return [None if r is None else float(math.floor(float(r) * share)) for r in requests]


def _gauge(rng: np.random.Generator, steps: int) -> list[Value]:
    level = float(rng.uniform(0, 100))
    values: list[Value] = []
    for _ in range(steps):
        if rng.random() < 0.1:
            level += float(rng.normal(0, 30))  # a jump
        elif rng.random() < 0.7:
            level += float(rng.normal(0, 3))
        values.append(round(level, 2))
    if rng.random() < 0.3:
        values[int(rng.integers(0, steps))] = math.nan
    return values


def _histogram(rng: np.random.Generator, steps: int, job: str, interval: float) -> dict[str, str]:
    """Return a classic histogram's buckets; some never see an observation, some go quiet."""
    bounds = ["0.1", "0.5", "1", "+Inf"]
    shares = rng.dirichlet(np.ones(len(bounds)))
    traffic = rng.choice([0, 5, 20], size=steps, p=[0.3, 0.4, 0.3])
    if rng.random() < 0.2:
        traffic[:] = 0  # all-zero: every quantile is NaN
    observed = np.cumsum(rng.poisson(np.outer(traffic, shares)), axis=0)
    cumulative = np.cumsum(observed, axis=1).astype(float)
    vanish = int(rng.integers(steps // 2, steps)) if rng.random() < 0.2 else steps
    out = {}
    for b, bound in enumerate(bounds):
        values: list[Value] = [float(v) for v in cumulative[:, b]]
        values[vanish:] = [STALE] + [None] * (steps - vanish - 1) if vanish < steps else []
        out[f'h_bucket{{job="{job}",le="{bound}"}}'] = render(values[:steps])
    return out


def _damaged(rng: np.random.Generator, values: list[Value], interval: float) -> list[Value]:
    """Return ``values`` with gaps, stale markers, a late start or an early end."""
    out = list(values)
    steps = len(out)
    around_lookback = int(LOOKBACK // interval)
    for _ in range(int(rng.integers(0, 3))):
        length = int(rng.choice([1, 3, around_lookback - 1, around_lookback, around_lookback + 2]))
        start = int(rng.integers(0, steps))
        out[start : start + max(length, 1)] = [None] * len(out[start : start + max(length, 1)])
    if rng.random() < 0.3:
        at = int(rng.integers(0, steps))
        out[at] = STALE
    if rng.random() < 0.2:  # the series appears late
        late = int(rng.integers(1, steps // 2))
        out[:late] = [None] * late
    if rng.random() < 0.2:  # the series vanishes: a stale marker, then nothing
        end = int(rng.integers(steps // 2, steps))
        out[end:] = [STALE] + [None] * (steps - end - 1)
    return out[:steps]
