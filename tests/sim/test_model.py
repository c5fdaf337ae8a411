"""The service model as its metrics show it: CPU, latency, errors and their propagation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.latency import BUCKETS
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]


def stress(
    target: str, at: str = "2m", timeout: str = "5m", pod: int | None = 0, workers: int = 4
) -> dict[str, Any]:
    """Return a scenario stressing ``target`` with ``workers`` workers at 100 %."""
    fault = {"kind": "cpu_stress", "target": target, "pod": pod, "at": at}
    params = {"timeout": timeout, "workers": workers}
    return {"name": "stress", "faults": [{**fault, "params": params}]}


def cpu_share(scrapes: Any, topology: Topology, pod: str, start: float, end: float) -> float:
    """Return a pod's CPU usage rate over [start, end] as a share of its limit."""
    used = scrapes.increase("container_cpu_usage_seconds_total", start, end, pod=pod)
    service = next(iter(scrapes.select("container_cpu_usage_seconds_total", pod=pod)))["service"]
    return float(used / (end - start) / topology.service(service).cpu_limit)


def test_baseline_cpu_of_every_service_sits_at_30_to_60_percent_of_its_limit(
    boutique: Topology, no_fault: dict[str, Any], make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(boutique, no_fault, duration=600.0)
    twin.run(600.0)
    scrapes = samples(twin.poll(600.0).metrics)
    for pod in twin.cluster.pods:
        share = cpu_share(scrapes, boutique, pod.name, 60.0, 600.0)
        assert 0.3 <= share <= 0.6, (pod.name, share)


def test_cpu_stress_pegs_its_pods_cpu_at_the_limit_and_slows_it(
    boutique: Topology, make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(boutique, stress("frontend"), duration=480.0)
    twin.run(480.0)
    scrapes = samples(twin.poll(480.0).metrics)
    stressed, *others = [p.name for p in twin.cluster.live_pods("frontend")]
    assert cpu_share(scrapes, boutique, stressed, 135.0, 420.0) == pytest.approx(1.0)
    assert cpu_share(scrapes, boutique, stressed, 0.0, 120.0) < 0.6

    def mean_latency(pod: str, start: float, end: float) -> float:
        total = scrapes.increase("http_request_duration_seconds_sum", start, end, pod=pod)
        count = scrapes.increase("http_request_duration_seconds_count", start, end, pod=pod)
        return float(total / count)

    # Four stress workers against four request threads leave the requests half the quota.
    assert mean_latency(stressed, 135.0, 420.0) > 1.2 * mean_latency(stressed, 0.0, 120.0)
    for pod in others:
        assert cpu_share(scrapes, boutique, pod, 135.0, 420.0) < 0.6
        assert mean_latency(pod, 135.0, 420.0) < 0.2
    # Half the quota still covers the requests' demand: slower, but nothing times out.
    assert scrapes.increase("http_requests_total", 135.0, 420.0, pod=stressed, code="504") == 0


def test_p99_from_the_buckets_recovers_the_models_p99(
    boutique: Topology,
    no_fault: dict[str, Any],
    make_twin: MakeTwin,
    samples: Any,
    histogram_quantile: Callable[..., float],
) -> None:
    twin = make_twin(boutique, no_fault, duration=600.0)
    twin.run(600.0)
    scrapes = samples(twin.poll(600.0).metrics)
    verdicts = twin.health_log()
    bounds = [*BUCKETS, float("inf")]
    for name in ("frontend", "checkoutservice", "cartservice", "productcatalogservice"):
        per_le = []
        for le in [*(f"{b:g}" for b in BUCKETS), "+Inf"]:
            per_le.append(
                scrapes.increase(
                    "http_request_duration_seconds_bucket", 0.0, 600.0, service=name, le=le
                )
            )
        estimate = histogram_quantile(0.99, bounds, np.array(per_le))
        model = np.mean([v.p99 for v in verdicts if v.service == name])
        # Both fall in the same bucket, and Prometheus' linear interpolation inside it lands
        # within half the bucket's width of the model's own p99.
        index = int(np.searchsorted(BUCKETS, model))
        lower, upper = (0.0 if index == 0 else BUCKETS[index - 1]), BUCKETS[index]
        assert lower < estimate <= upper, name
        assert abs(estimate - model) < (upper - lower) / 2, name


def test_a_saturated_dependency_fails_its_callers_requests(
    small: Topology, make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(small, stress("db"), duration=300.0)
    twin.run(300.0)
    scrapes = samples(twin.poll(300.0).metrics)

    def failures(service: str, start: float, end: float) -> float:
        failed = sum(
            scrapes.increase("http_requests_total", start, end, service=service, code=code)
            for code in ("500", "504")
        )
        return failed / scrapes.increase("http_requests_total", start, end, service=service)

    for service in ("db", "api", "frontend"):
        assert failures(service, 0.0, 120.0) == 0.0
        assert failures(service, 135.0, 300.0) > 0.5, service


def test_requests_a_saturated_caller_drops_never_reach_its_callees(
    small: Topology, make_twin: MakeTwin, samples: Any
) -> None:
    # Sixteen workers against four request threads leave the requests a fifth of the quota.
    scenario = stress("frontend", pod=None, workers=16)
    twin = make_twin(small, scenario, duration=300.0)
    twin.run(300.0)
    scrapes = samples(twin.poll(300.0).metrics)
    before = scrapes.increase("http_requests_total", 0.0, 120.0, service="api") / 120.0
    during = scrapes.increase("http_requests_total", 135.0, 300.0, service="api") / 165.0
    # One of two frontend pods can serve under half of what it gets and drops the rest, so
    # the api sees between half and three quarters of its load.
    assert before / 2 < during < 0.8 * before


def test_memory_working_set_stays_between_idle_and_the_limit(
    boutique: Topology, no_fault: dict[str, Any], make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(boutique, no_fault, duration=300.0)
    twin.run(300.0)
    scrapes = samples(twin.poll(300.0).metrics)
    for labels, points in scrapes.select("container_memory_working_set_bytes").items():
        spec = boutique.service(labels["service"])
        values = np.array(list(points.values()))
        assert np.all(values > 0.9 * spec.memory_base), labels["pod"]
        assert np.all(values < 0.8 * spec.memory_limit), labels["pod"]
