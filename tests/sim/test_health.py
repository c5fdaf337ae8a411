"""The twin's own health verdict: healthy at baseline, unhealthy with reasons under faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dos.actions import Action, ActionKind
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]


@pytest.mark.slow
def test_an_hour_without_faults_is_healthy_throughout(
    boutique: Topology, conf: Callable[[str, str], dict[str, Any]], make_twin: MakeTwin
) -> None:
    twin = make_twin(boutique, conf("scenario", "none"), duration=3600.0)
    twin.run(3600.0)
    verdicts = twin.health_log()
    assert len(verdicts) == 240 * len(boutique.services)
    assert [v for v in verdicts if not v.healthy] == []
    assert all(v.p99 < 0.5 and v.error_ratio == 0.0 for v in verdicts)


def test_a_stressed_frontend_pod_makes_the_frontend_unhealthy_while_it_lasts(
    boutique: Topology, make_twin: MakeTwin
) -> None:
    scenario = {
        "name": "stress",
        "faults": [
            {
                "kind": "cpu_stress",
                "target": "frontend",
                "pod": 1,
                "at": "3m",
                "params": {"timeout": "4m"},
            }
        ],
    }
    twin = make_twin(boutique, scenario, duration=600.0)
    twin.run(600.0)
    stressed = twin.ground_truth()[0].pod
    frontend = {v.timestamp: v for v in twin.health_log() if v.service == "frontend"}
    unhealthy = sorted(t for t, v in frontend.items() if not v.healthy)
    assert unhealthy == [float(t) for t in range(195, 421, 15)]
    reason = frontend[300.0].reason
    assert f"cpu saturated on {stressed}" in reason
    # Thread-fair CFS leaves the requests about half the quota: slower, but no errors.
    assert frontend[300.0].error_ratio == 0.0
    assert frontend[300.0].p99 > frontend[150.0].p99
    others = [v for v in twin.health_log() if v.service != "frontend"]
    assert all(v.healthy for v in others)


def test_a_missing_pod_is_unhealthy_until_its_replacement_is_ready(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=180.0)
    twin.run(30.0)
    pod = twin.cluster.live_pods("api")[0].name
    twin.actuator.submit(Action("a1", ActionKind.DELETE_POD, "small", "api", pod=pod), 30.0)
    twin.run(180.0)
    api = {v.timestamp: v for v in twin.health_log() if v.service == "api"}
    # Deleted at 35 s; the replacement is ready 20 s later, at 55 s, before the next scrape.
    assert [t for t, v in sorted(api.items()) if not v.healthy] == [45.0]
    assert api[45.0].reason == "1 of 2 pods ready"
    assert (api[45.0].ready, api[45.0].desired) == (1, 2)
