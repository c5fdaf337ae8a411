"""How long the default rules take on the telemetry the closed loop produces.

Two stores: 24 hours of Online Boutique from a real run of the twin (a CPU stress in it),
the target being the default rules evaluated every 15 s over the whole day in under 2 s;
and an hour of 15 s scrapes of a ~30-pod cluster shaped like the telemetry contract
(1500 series). Run with ``pytest benchmarks --benchmark-enable``.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from dos.config import DOSConfig
from dos.detect.default_rules import default_rules
from dos.detect.rules import RuleEngine
from dos.promql import Engine
from dos.telemetry import Labels, MetricScrape, labels_of
from dos.tsdb import SeriesStore
from experiments.compose import load_config
from sim.twin import Twin

SCRAPE = 15.0
HOUR = 3600.0
DAY = 24 * HOUR
SERVICES = 11
PODS = 30
FINITE_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
BOUNDS = [*(f"{b:g}" for b in FINITE_BOUNDS), "+Inf"]
CODES = ("200", "201", "302", "400", "404", "500", "502", "503")
OTHER_PER_POD = 19


@pytest.fixture(scope="module")
def boutique_day() -> list[MetricScrape]:
    """Return the scrapes of a day of Online Boutique with a CPU stress, from the twin."""
    config = load_config(["scenario=cpu_stress", "duration=24h", "tracking=none"])
    twin = Twin(
        config.topology,
        config.scenario,
        seed=config.seed,
        scrape_interval=SCRAPE,
        tick=config.tick,
        duration=DAY,
    )
    twin.run(until=DAY)
    return list(twin.poll(DAY).metrics)


def test_the_default_rules_over_a_day_of_boutique_telemetry(
    benchmark: BenchmarkFixture, boutique_day: list[MetricScrape]
) -> None:
    ticks = [k * SCRAPE for k in range(1, round(DAY / SCRAPE) + 1)]

    def fill() -> tuple[tuple[SeriesStore], dict[str, object]]:
        # Not timed: a fresh store per round, since the rules write ALERTS into it.
        store = SeriesStore()
        for scrape in boutique_day:
            store.append(scrape)
        return (store,), {}

    def run(store: SeriesStore) -> int:
        rules = RuleEngine([default_rules(DOSConfig())], Engine(store))
        return sum(len(rules.evaluate(t)) for t in ticks)

    # pytest-benchmark's pedantic() carries no type annotations.
    transitions = benchmark.pedantic(  # type: ignore[no-untyped-call]
        run, setup=fill, rounds=3, iterations=1
    )
    assert len(boutique_day[-1].series) > 500
    assert transitions > 0  # the stress fires CPUHigh


def cluster_series() -> tuple[list[Labels], np.ndarray]:
    """Return every series of the cluster and whether each is a counter."""
    series: list[Labels] = []
    counter: list[bool] = []

    def add(name: str, is_counter: bool, **labels: str) -> None:
        series.append(labels_of(name, labels))
        counter.append(is_counter)

    for p in range(PODS):
        svc = f"svc{p % SERVICES}"
        pod = {"namespace": "shop", "service": svc, "pod": f"{svc}-{p}"}
        add("container_cpu_usage_seconds_total", True, container=svc, **pod)
        add("kube_pod_container_resource_limits", False, resource="cpu", container=svc, **pod)
        add("kube_pod_container_resource_limits", False, resource="memory", container=svc, **pod)
        add("container_memory_working_set_bytes", False, container=svc, **pod)
        add("kube_pod_container_status_restarts_total", True, container=svc, **pod)
        add("kube_pod_container_status_last_terminated_reason", False, reason="OOM", **pod)
        for code in CODES:
            add("http_requests_total", True, code=code, **pod)
        for le in BOUNDS:
            add("http_request_duration_seconds_bucket", True, le=le, **pod)
        add("http_request_duration_seconds_sum", True, **pod)
        add("http_request_duration_seconds_count", True, **pod)
        for k in range(OTHER_PER_POD):
            add(f"process_metric_{k}", False, **pod)
    return series, np.array(counter)


def scrapes(duration: float) -> list[MetricScrape]:
    """Return the cluster's scrapes from 0 to ``duration``, with seeded noise."""
    series, counter = cluster_series()
    rng = np.random.default_rng(7)
    level = rng.uniform(1, 100, len(series))
    out = []
    for t in np.arange(0.0, duration + SCRAPE / 2, SCRAPE):
        level = np.where(counter, level + rng.uniform(0, 10, len(series)), level)
        out.append(MetricScrape(float(t), series, level.copy()))
    return out


@pytest.fixture(scope="module")
def loaded() -> Engine:
    store = SeriesStore()
    for scrape in scrapes(HOUR):
        store.append(scrape)
    return Engine(store)


def test_store_holds_the_cluster(loaded: Engine) -> None:
    assert loaded.store.series_count == PODS * 50
    assert loaded.store.sample_count == PODS * 50 * (int(HOUR / SCRAPE) + 1)


def test_default_rules_once(benchmark: BenchmarkFixture, loaded: Engine) -> None:
    exprs = [rule.expr for rule in default_rules(DOSConfig()).rules]

    def evaluate() -> int:
        return sum(len(loaded.evaluate(expr, HOUR)) for expr in exprs)

    # The random bucket counts put some services' p99 over 500 ms: there is work to do.
    assert benchmark(evaluate) > 0


def test_an_hour_of_scrapes_and_rule_evaluations(benchmark: BenchmarkFixture) -> None:
    hour = scrapes(HOUR)

    def run() -> int:
        store = SeriesStore()
        rules = RuleEngine([default_rules(DOSConfig())], Engine(store))
        transitions = 0
        for scrape in hour:
            store.append(scrape)
            transitions += len(rules.evaluate(scrape.timestamp))
        return transitions

    # pytest-benchmark's pedantic() carries no type annotations.
    transitions = benchmark.pedantic(run, rounds=3, iterations=1)  # type: ignore[no-untyped-call]
    assert transitions > 0
