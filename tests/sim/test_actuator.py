"""The actuator: actions answered at once, applied after the latency, shown as events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from dos.actions import Action, ActionKind, ActionStatus
from dos.telemetry import EventKind, TelemetryBatch
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]


def act(twin: Twin, kind: ActionKind, service: str, **fields: Any) -> ActionStatus:
    """Submit action ``a1`` now and return the actuator's answer."""
    action = Action("a1", kind, twin.topology.namespace, service, **fields)
    return twin.actuator.submit(action, twin.env.now).status


def events(batch: TelemetryBatch, kind: EventKind) -> list[Any]:
    return [e for e in batch.events if e.kind is kind]


def test_scale_up_creates_pods_that_become_ready_after_the_start_up_delay(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(small, no_fault, duration=300.0)
    twin.run(100.0)
    assert act(twin, ActionKind.SCALE, "api", replicas=4) is ActionStatus.ACCEPTED
    twin.run(104.0)
    assert len(twin.cluster.live_pods("api")) == 2
    twin.run(106.0)
    pods = twin.cluster.live_pods("api")
    assert len(pods) == 4
    assert [p.ready for p in pods] == [True, True, False, False]
    twin.run(300.0)
    delay = small.service("api").startup_delay
    assert [p.ready_at for p in pods[2:]] == [105.0 + delay, 105.0 + delay]
    batch = twin.poll(300.0)
    (scaling,) = events(batch, EventKind.SCALING)
    assert (scaling.timestamp, scaling.attributes["action_id"]) == (105.0, "a1")
    ready = [e for e in events(batch, EventKind.POD_READY) if e.attributes.get("action_id")]
    assert [e.timestamp for e in ready] == [105.0 + delay] * 2
    available = samples(batch.metrics).one(
        "kube_deployment_status_replicas_available", deployment="api"
    )
    assert (available[120.0], available[135.0]) == (2.0, 4.0)
    spec = samples(batch.metrics).one("kube_deployment_spec_replicas", deployment="api")
    assert (spec[105.0], spec[120.0]) == (2.0, 4.0)


def test_scale_down_removes_the_newest_pods(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=300.0)
    twin.run(10.0)
    act(twin, ActionKind.SCALE, "api", replicas=3)
    twin.run(60.0)
    oldest = twin.cluster.live_pods("api")[0]
    act(twin, ActionKind.SCALE, "api", replicas=1)
    twin.run(70.0)
    assert twin.cluster.live_pods("api") == [oldest]


def test_deleting_a_stressed_pod_ends_the_stress_and_its_replacement_starts(
    small: Topology, make_twin: MakeTwin, samples: Any
) -> None:
    scenario = {
        "name": "stress",
        "faults": [
            {"kind": "cpu_stress", "target": "frontend", "pod": 0, "at": "1m", "params": {}},
        ],
    }
    twin = make_twin(small, scenario, duration=300.0)
    twin.run(120.0)
    stressed = twin.cluster.live_pods("frontend")[0]
    assert act(twin, ActionKind.DELETE_POD, "frontend", pod=stressed.name) is ActionStatus.ACCEPTED
    twin.run(300.0)
    (record,) = twin.ground_truth()
    assert (record.pod, record.start, record.end, record.ended_by) == (
        stressed.name,
        60.0,
        125.0,
        "remediation",
    )
    pods = twin.cluster.live_pods("frontend")
    assert stressed not in pods
    assert len(pods) == 2
    assert pods[-1].created_at == 125.0
    assert pods[-1].ready_at == 125.0 + small.service("frontend").startup_delay
    batch = twin.poll(300.0)
    (deleted,) = events(batch, EventKind.POD_DELETED)
    assert (deleted.pod, deleted.attributes["action_id"]) == (stressed.name, "a1")
    scrapes = samples(batch.metrics)
    used = scrapes.increase("container_cpu_usage_seconds_total", 135.0, 300.0, service="frontend")
    assert used / 165.0 < 2 * 0.2 * 0.6


def test_a_drained_pod_gets_no_traffic_and_keeps_running(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin, samples: Any
) -> None:
    twin = make_twin(small, no_fault, duration=200.0)
    twin.run(50.0)
    drained, other = twin.cluster.live_pods("api")
    act(twin, ActionKind.DRAIN, "api", pod=drained.name)
    twin.run(200.0)
    batch = twin.poll(200.0)
    scrapes = samples(batch.metrics)
    assert scrapes.increase("http_requests_total", 60.0, 195.0, pod=drained.name) == 0
    assert scrapes.increase("http_requests_total", 45.0, 195.0, service="api") == pytest.approx(
        scrapes.increase("http_requests_total", 45.0, 195.0, pod=other.name), rel=0.1
    )
    assert scrapes.one("up", job="api", instance=f"{drained.ip}:9000")[195.0] == 1.0
    (event,) = events(batch, EventKind.DRAINED)
    assert (event.timestamp, event.pod, event.attributes["action_id"]) == (
        55.0,
        drained.name,
        "a1",
    )
    assert all(v.healthy for v in twin.health_log() if v.service == "api")


def test_a_rolling_restart_replaces_every_pod_one_at_a_time(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=600.0)
    old = twin.cluster.live_pods("api")
    act(twin, ActionKind.RESTART, "api")
    twin.run(600.0)
    new = twin.cluster.live_pods("api")
    assert len(new) == 2
    assert not set(old) & set(new)
    delay = small.service("api").startup_delay
    assert [p.deleted_at for p in old] == [5.0 + delay, 5.0 + 2 * delay]
    assert new[0].name.split("-")[1] != old[0].name.split("-")[1]
    assert all(v.healthy for v in twin.health_log() if v.service == "api")


def test_a_rollback_goes_back_one_revision(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=600.0)
    first = twin.cluster.live_pods("db")[0].name
    assert act(twin, ActionKind.ROLLBACK, "db") is ActionStatus.REJECTED
    act(twin, ActionKind.RESTART, "db")
    twin.run(100.0)
    assert act(twin, ActionKind.ROLLBACK, "db") is ActionStatus.ACCEPTED
    twin.run(300.0)
    (rollback,) = events(twin.poll(300.0), EventKind.ROLLBACK)
    assert dict(rollback.attributes) == {
        "from_revision": "2",
        "to_revision": "1",
        "action_id": "a1",
    }
    assert twin.cluster.deployments["db"].revision == 1
    # Back on revision 1's pod template, the pod name carries its hash again.
    assert twin.cluster.live_pods("db")[0].name.split("-")[1] == first.split("-")[1]


@pytest.mark.parametrize(
    ("kind", "service", "fields", "why"),
    [
        (ActionKind.SCALE, "billing", {"replicas": 2}, "unknown service 'billing'"),
        (ActionKind.SCALE, "api", {"replicas": 0}, "replicas must be from 1 to 20, got 0"),
        (ActionKind.SCALE, "api", {}, "got None"),
        (ActionKind.DELETE_POD, "api", {"pod": "api-nope-12345"}, "no running pod"),
        (ActionKind.DRAIN, "api", {}, "no running pod None"),
    ],
)
def test_an_action_that_cannot_apply_is_rejected_at_once(
    small: Topology,
    no_fault: dict[str, Any],
    make_twin: MakeTwin,
    kind: ActionKind,
    service: str,
    fields: dict[str, Any],
    why: str,
) -> None:
    twin = make_twin(small, no_fault, duration=60.0)
    action = Action("a9", kind, "small", service, **fields)
    result = twin.actuator.submit(action, 0.0)
    assert result.status is ActionStatus.REJECTED
    assert why in result.message
    twin.run(60.0)
    assert not [e for e in twin.poll(60.0).events if e.attributes.get("action_id")]


def test_an_action_for_another_namespace_is_rejected(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=60.0)
    result = twin.actuator.submit(Action("a1", ActionKind.RESTART, "prod", "api"), 0.0)
    assert (result.status, result.message) == (
        ActionStatus.REJECTED,
        "namespace 'prod' is not this cluster's ('small')",
    )


def test_an_action_can_fail_and_shows_as_a_failed_event(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    failing = dataclasses.replace(
        small, cluster=dataclasses.replace(small.cluster, action_failure_probability=1.0)
    )
    twin = make_twin(failing, no_fault, duration=60.0)
    assert act(twin, ActionKind.SCALE, "api", replicas=3) is ActionStatus.ACCEPTED
    twin.run(60.0)
    assert len(twin.cluster.live_pods("api")) == 2
    (event,) = [e for e in twin.poll(60.0).events if e.attributes.get("action_id") == "a1"]
    assert (event.kind, event.reason, event.attributes["status"]) == (
        EventKind.SCALING,
        "FailedScale",
        "failed",
    )
    assert [r.status for r in twin.actuator.outcomes] == [ActionStatus.FAILED]
