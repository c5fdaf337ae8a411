from __future__ import annotations

import pytest

from dos.alerts import AlertHandler, AlertStatus, AlertStatusError, service_of
from dos.detect.alert import AlertState, AlertTransition
from dos.errors import ConfigError

CPU = {"alertname": "CPUHigh", "service": "frontend", "pod": "frontend-1", "severity": "warning"}


def change(t: float, previous: AlertState, current: AlertState, labels: dict[str, str] = CPU):
    return AlertTransition(t, labels, previous, current, 97.0)


def pending_then_firing(handler: AlertHandler, start: float, fire: float):
    handler.observe([change(start, AlertState.INACTIVE, AlertState.PENDING)], start)
    return handler.observe([change(fire, AlertState.PENDING, AlertState.FIRING)], fire)


def test_a_firing_alert_is_live_and_remembers_when_it_went_pending() -> None:
    handler = AlertHandler()
    live = pending_then_firing(handler, 60.0, 360.0)
    assert [a.name for a in live] == ["CPUHigh"]
    alert = live[0]
    assert (alert.pending_at, alert.fired_at) == (60.0, 360.0)
    assert alert.status is AlertStatus.FIRING
    assert alert.service == "frontend"
    assert handler.active() == [alert]


def test_a_repeated_firing_report_is_folded_into_the_tracked_alert() -> None:
    handler = AlertHandler()
    first = pending_then_firing(handler, 0.0, 300.0)
    again = handler.observe([change(315.0, AlertState.PENDING, AlertState.FIRING)], 315.0)
    assert again == []
    assert first[0].repeats == 1
    assert len(handler.alerts) == 1


def test_an_alert_firing_again_after_clearing_is_a_new_episode() -> None:
    handler = AlertHandler()
    first = pending_then_firing(handler, 0.0, 300.0)[0]
    first.incident_id = "INC-0001"
    handler.observe([change(400.0, AlertState.FIRING, AlertState.INACTIVE)], 400.0)
    second = pending_then_firing(handler, 500.0, 800.0)
    assert first.cleared_at == 400.0
    assert first.status is AlertStatus.FIRING  # its incident resolves it, not the rule
    assert len(second) == 1
    assert second[0] is not first
    assert second[0].pending_at == 500.0


def test_an_alert_in_a_maintenance_window_is_suppressed_and_not_live() -> None:
    handler = AlertHandler()
    handler.add_maintenance("frontend", 0.0, 600.0)
    live = pending_then_firing(handler, 100.0, 400.0)
    assert live == []
    assert handler.alerts[0].status is AlertStatus.SUPPRESSED
    assert "600" in handler.alerts[0].history[-1].note


def test_a_suppressed_alert_still_firing_after_the_window_becomes_live() -> None:
    handler = AlertHandler()
    handler.add_maintenance({"alertname": "CPUHigh"}, 0.0, 600.0)
    pending_then_firing(handler, 100.0, 400.0)
    assert handler.observe([], 585.0) == []
    live = handler.observe([], 600.0)
    assert [a.status for a in live] == [AlertStatus.FIRING]
    assert [h.status for h in live[0].history] == [
        AlertStatus.FIRING,
        AlertStatus.SUPPRESSED,
        AlertStatus.FIRING,
    ]


def test_a_suppressed_alert_that_clears_in_the_window_is_resolved_without_paging() -> None:
    handler = AlertHandler()
    handler.add_maintenance("frontend", 0.0, 600.0)
    pending_then_firing(handler, 100.0, 400.0)
    handler.observe([change(500.0, AlertState.FIRING, AlertState.INACTIVE)], 500.0)
    assert handler.observe([], 700.0) == []
    assert handler.alerts[0].status is AlertStatus.RESOLVED


def test_a_window_for_another_service_does_not_suppress() -> None:
    handler = AlertHandler()
    handler.add_maintenance("cart", 0.0, 600.0)
    assert len(pending_then_firing(handler, 100.0, 400.0)) == 1


def test_a_maintenance_window_must_end_after_it_starts() -> None:
    with pytest.raises(ConfigError, match=r"maintenance\.end"):
        AlertHandler().add_maintenance("frontend", 600.0, 600.0)
    with pytest.raises(ConfigError, match=r"maintenance\.matchers"):
        AlertHandler().add_maintenance({}, 0.0, 600.0)


def test_the_alert_lifecycle_refuses_to_go_backwards() -> None:
    alert = pending_then_firing(AlertHandler(), 0.0, 300.0)[0]
    alert.move(AlertStatus.ACKNOWLEDGED, 300.0)
    alert.move(AlertStatus.INVESTIGATING, 310.0)
    with pytest.raises(AlertStatusError, match="investigating to acknowledged"):
        alert.move(AlertStatus.ACKNOWLEDGED, 320.0)
    alert.move(AlertStatus.MITIGATING, 330.0)
    alert.move(AlertStatus.RESOLVED, 900.0)
    assert [h.status for h in alert.history][-1] is AlertStatus.RESOLVED


def test_service_of_falls_back_on_deployment_job_and_name() -> None:
    assert service_of({"alertname": "X", "deployment": "cart"}) == "cart"
    assert service_of({"alertname": "X", "job": "redis-cart"}) == "redis-cart"
    assert service_of({"alertname": "TargetDown"}) == "TargetDown"
