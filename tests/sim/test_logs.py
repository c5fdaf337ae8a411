"""Logs: sampled records whose counts add up to what the metrics count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dos.actions import Action, ActionKind
from dos.telemetry import Level, TelemetryBatch
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]
DB_STRESS = {
    "name": "db",
    "faults": [{"kind": "cpu_stress", "target": "db", "pod": 0, "at": "1m", "params": {}}],
}


def stressed_db(make_twin: MakeTwin, small: Topology) -> tuple[Twin, TelemetryBatch]:
    """Run ``small`` for 3 minutes with its only db pod stressed from 1 minute."""
    twin = make_twin(small, DB_STRESS, duration=180.0)
    twin.run(180.0)
    return twin, twin.poll(180.0)


def drained_db(make_twin: MakeTwin, small: Topology) -> tuple[Twin, TelemetryBatch]:
    """Run ``small`` for 3 minutes with its only db pod drained at 1 minute."""
    twin = make_twin(small, {"name": "quiet"}, duration=180.0)
    twin.run(55.0)
    db = twin.cluster.live_pods("db")[0].name
    twin.actuator.submit(Action("a1", ActionKind.DRAIN, "small", "db", pod=db), 55.0)
    twin.run(180.0)
    return twin, twin.poll(180.0)


@pytest.mark.parametrize("run", [stressed_db, drained_db])
def test_log_counts_match_the_request_counters(
    small: Topology, make_twin: MakeTwin, samples: Any, run: Callable[..., Any]
) -> None:
    twin, batch = run(make_twin, small)
    scrapes = samples(batch.metrics)
    for pod in twin.cluster.live_pods("api"):
        mine = [r for r in batch.logs if r.pod == pod.name]
        served = sum(r.count for r in mine if r.message == "request complete")
        failed = sum(r.count for r in mine if r.attributes.get("http.status_code") == "500")
        timed_out = sum(r.count for r in mine if r.attributes.get("http.status_code") == "504")
        for code, logged in (("200", served), ("500", failed), ("504", timed_out)):
            counted = scrapes.increase("http_requests_total", 0.0, 180.0, pod=pod.name, code=code)
            assert logged == counted, (pod.name, code)
        assert failed + timed_out > 0


def test_calls_to_a_service_without_endpoints_fail_as_connection_refused(
    small: Topology, make_twin: MakeTwin
) -> None:
    _, batch = drained_db(make_twin, small)
    api = [r for r in batch.logs if r.level == Level.ERROR and r.service == "api"]
    assert api
    assert {r.attributes["upstream"] for r in api} == {"db"}
    assert all(
        "failed to call db: rpc error: connect: connection refused" in r.message for r in api
    )
    assert all(r.trace_id is not None and len(r.trace_id) == 32 for r in api)
    frontend = [r for r in batch.logs if r.level == Level.ERROR and r.service == "frontend"]
    assert frontend
    assert {r.attributes["upstream"] for r in frontend} == {"api"}


def test_a_saturated_dependency_times_its_callers_out(
    small: Topology, make_twin: MakeTwin
) -> None:
    _, batch = stressed_db(make_twin, small)
    api = [r for r in batch.logs if r.level == Level.ERROR and r.service == "api"]
    assert api
    assert all(r.message.endswith("context deadline exceeded") for r in api)
    assert {r.attributes["http.status_code"] for r in api} == {"504"}


def test_a_stressed_pod_logs_throttling_and_failed_readiness_probes(
    small: Topology, make_twin: MakeTwin
) -> None:
    twin, batch = stressed_db(make_twin, small)
    db = twin.cluster.live_pods("db")[0]
    warnings = [r for r in batch.logs if r.pod == db.name and r.level == Level.WARN]
    throttled = [r for r in warnings if "CPU throttled" in r.message]
    probes = [r for r in warnings if r.message.startswith("Readiness probe failed")]
    assert [r.timestamp for r in throttled] == [float(t) for t in range(75, 181, 15)]
    assert probes
    assert all(r.attributes == {"source": "kubelet"} for r in probes)
    assert all(r.attributes == {"source": "cadvisor"} for r in throttled)
    assert sum(r.count for r in probes) >= 10


def test_pods_log_their_start(small: Topology, make_twin: MakeTwin) -> None:
    twin = make_twin(small, {"name": "quiet"}, duration=10.0)
    starts = [r for r in twin.poll(0.0).logs if r.message.startswith("starting server")]
    assert sorted(r.pod for r in starts) == sorted(p.name for p in twin.cluster.pods)
