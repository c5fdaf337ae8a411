"""The metrics scrape: names and labels of the telemetry contract, counters, stale markers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from dos.actions import Action, ActionKind
from dos.telemetry import is_stale
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]


def test_every_pod_has_the_contracts_series_with_their_labels(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=30.0)
    twin.run(30.0)
    scrape = twin.poll(30.0).metrics[-1]
    pod = twin.cluster.live_pods("db")[0]
    mine = [dict(s) for s in scrape.series if dict(s).get("pod") == pod.name]
    names = sorted({s["__name__"] for s in mine})
    assert names == [
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_count",
        "http_request_duration_seconds_sum",
        "http_requests_total",
        "kube_pod_container_resource_limits",
        "kube_pod_container_status_restarts_total",
    ]
    cpu = next(s for s in mine if s["__name__"] == "container_cpu_usage_seconds_total")
    assert cpu == {
        "__name__": "container_cpu_usage_seconds_total",
        "namespace": "small",
        "pod": pod.name,
        "container": "db",
        "service": "db",
    }
    limits = {
        (s["resource"], s["unit"]) for s in mine if s["__name__"].endswith("resource_limits")
    }
    assert limits == {("cpu", "core"), ("memory", "byte")}
    codes = {s["code"] for s in mine if s["__name__"] == "http_requests_total"}
    assert codes == {"200", "500", "504"}
    les = [s["le"] for s in mine if s["__name__"] == "http_request_duration_seconds_bucket"]
    assert les == [
        "0.005",
        "0.01",
        "0.025",
        "0.05",
        "0.1",
        "0.25",
        "0.5",
        "1",
        "2.5",
        "5",
        "10",
        "+Inf",
    ]
    up = [dict(s) for s in scrape.series if dict(s)["__name__"] == "up"]
    assert {"__name__": "up", "job": "db", "instance": f"{pod.ip}:5432"} in up
    deployments = {dict(s)["deployment"] for s in scrape.series if "deployment" in dict(s)}
    assert deployments == {"frontend", "api", "db"}


def test_counters_start_at_zero_and_never_decrease(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(small, no_fault, duration=120.0)
    twin.run(120.0)
    scrapes = samples(twin.poll(120.0).metrics)
    for name in ("container_cpu_usage_seconds_total", "http_requests_total"):
        for points in scrapes.select(name).values():
            values = [points[t] for t in sorted(points)]
            assert values[0] == 0.0
            assert all(b >= a for a, b in itertools.pairwise(values))
    count = scrapes.increase("http_request_duration_seconds_count", 0.0, 120.0)
    assert count == scrapes.increase("http_requests_total", 0.0, 120.0) > 0
    infinite = scrapes.increase("http_request_duration_seconds_bucket", 0.0, 120.0, le="+Inf")
    assert infinite == count


def test_a_deleted_pods_series_get_one_stale_marker_each(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=120.0)
    twin.run(40.0)
    gone = twin.cluster.live_pods("api")[0]
    twin.actuator.submit(Action("a1", ActionKind.DELETE_POD, "small", "api", pod=gone.name), 40.0)
    twin.run(120.0)
    scrapes = twin.poll(120.0).metrics
    by_time = {s.timestamp: s for s in scrapes}

    def of_gone(timestamp: float) -> list[float]:
        scrape = by_time[timestamp]
        return [
            float(v)
            for labels, v in zip(scrape.series, scrape.values, strict=True)
            if dict(labels).get("pod") == gone.name
            or dict(labels).get("instance") == f"{gone.ip}:9000"
        ]

    assert len(of_gone(45.0)) == 23
    assert not any(math.isnan(v) for v in of_gone(45.0))
    assert len(of_gone(60.0)) == 23
    assert all(is_stale(v) for v in of_gone(60.0))
    assert of_gone(75.0) == []
    replacement = twin.cluster.live_pods("api")[-1]
    first = by_time[60.0]
    fresh = [
        float(v)
        for labels, v in zip(first.series, first.values, strict=True)
        if dict(labels).get("pod") == replacement.name
        and dict(labels)["__name__"] == "container_cpu_usage_seconds_total"
    ]
    assert len(fresh) == 1
    assert 0.0 < fresh[0] < 1.0


def test_label_sets_are_built_once_and_shared_between_scrapes(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=60.0)
    twin.run(60.0)
    first, *rest = twin.poll(60.0).metrics
    assert all(scrape.series is first.series for scrape in rest)
