"""Input series from the twin: Online Boutique's telemetry, as promtool input series.

A run of the twin (a seed and a scenario drawn per case, cached) yields the contract
metrics of a few services; their scrapes become promtool's notation at the scrape
interval (a sample off the grid goes to the nearest step). Rules draw on the default
rules' expressions as well as the generic ones.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from dos.config import DOSConfig
from dos.detect.default_rules import default_rules
from dos.telemetry import is_stale
from experiments.compose import load_config
from sim.twin import Twin

SCRAPE = 15.0
DURATION = 30 * 60.0
SERVICES = ("frontend", "cartservice", "checkoutservice")
NAMES = (
    "container_cpu_usage_seconds_total",
    "kube_pod_container_resource_limits",
    "container_memory_working_set_bytes",
    "http_requests_total",
    "http_request_duration_seconds_bucket",
)


def telemetry(rng: np.random.Generator) -> tuple[float, int, dict[str, str], dict[str, object]]:
    """Draw a twin run and return its series and what they offer rules."""
    seed = int(rng.integers(0, 2))
    scenario = str(rng.choice(["cpu_stress", "none"]))
    series = dict(_series(seed, scenario))
    steps = round(DURATION / SCRAPE) + 1
    catalog: dict[str, object] = {
        "counters": ["container_cpu_usage_seconds_total", "http_requests_total"],
        "gauges": ["container_memory_working_set_bytes"],
        "histograms": ["http_request_duration_seconds"],
        "ratios": [('http_requests_total{code=~"5.."}', "http_requests_total")],
        "group_by": "service",
        "groups": list(SERVICES),
        "fixed": _default_bases(),
    }
    return SCRAPE, steps, series, catalog


def _default_bases() -> list[str]:
    """The default rules' expressions without their thresholds."""
    rules = default_rules(DOSConfig()).rules
    return [re.sub(r"\s*>\s*[0-9.]+\s*$", "", rule.expr) for rule in rules]


@lru_cache(maxsize=8)
def _series(seed: int, scenario: str) -> tuple[tuple[str, str], ...]:
    """Run the twin once; return its series of the chosen services in promtool notation."""
    config = load_config([f"seed={seed}", f"scenario={scenario}", "tracking=none"])
    twin = Twin(
        config.topology,
        config.scenario,
        seed=seed,
        scrape_interval=SCRAPE,
        tick=config.tick,
        duration=DURATION,
    )
    twin.run(until=DURATION)
    steps = round(DURATION / SCRAPE) + 1
    grid: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for scrape in twin.poll(DURATION).metrics:
        step = round(scrape.timestamp / SCRAPE)
        if step >= steps:
            continue
        for labels, value in zip(scrape.series, scrape.values.tolist(), strict=True):
            named = dict(labels)
            if named.get("__name__") not in NAMES or named.get("service") not in SERVICES:
                continue
            tokens = grid.setdefault(labels, ["_"] * steps)
            tokens[step] = _token(value)
    return tuple((_selector(labels), " ".join(tokens)) for labels, tokens in sorted(grid.items()))


def _token(value: float) -> str:
    if is_stale(value):
        return "stale"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(value)


def _selector(labels: tuple[tuple[str, str], ...]) -> str:
    named = dict(labels)
    name = named.pop("__name__")
    body = ",".join(f'{k}="{v}"' for k, v in named.items())
    return f"{name}{{{body}}}"
