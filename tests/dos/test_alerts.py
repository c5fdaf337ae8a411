from __future__ import annotations

import pytest

from dos.alerting import format_label_set
from dos.alerts import AlertHandler, AlertStatus, AlertStatusError, service_of
from dos.config import AlertingConfig, SilenceConfig
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
    assert handler.observe([], 600.0) == []  # a window's end is part of it, as in Alertmanager
    live = handler.observe([], 615.0)
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


# -- Alertmanager's semantics, through the handler ------------------------------------------

CRITICAL = {**CPU, "severity": "critical"}
OTHER_POD = {**CPU, "pod": "frontend-2"}


def test_a_critical_alert_inhibits_the_warning_of_the_same_name_on_the_same_service() -> None:
    handler = AlertHandler()
    pending_then_firing(handler, 0.0, 300.0)
    live = handler.observe([change(330.0, AlertState.PENDING, AlertState.FIRING, CRITICAL)], 330.0)
    warning, critical = handler.alerts
    assert live == [critical]
    assert warning.status is AlertStatus.SUPPRESSED
    assert warning.inhibited_by == format_label_set(CRITICAL)
    assert warning.history[-1].note.startswith("inhibited by {alertname=")
    # The critical one resolving lets the warning, still firing, go live.
    released = handler.observe(
        [change(600.0, AlertState.FIRING, AlertState.INACTIVE, CRITICAL)], 600.0
    )
    assert released == [warning]
    assert (warning.status, warning.inhibited_by) == (AlertStatus.FIRING, "")


def test_a_silence_from_the_config_suppresses_and_expiring_it_releases() -> None:
    window = SilenceConfig(matchers=['pod=~"frontend-.*"'], starts_at="0s", ends_at="1h")
    handler = AlertHandler(AlertingConfig(silences=[window]))
    assert pending_then_firing(handler, 0.0, 300.0) == []
    (alert,) = handler.alerts
    assert alert.silenced_by == ("silence-0001",)
    assert "by dos: maintenance window" in alert.history[-1].note
    handler.expire_silence("silence-0001", 400.0)
    assert handler.observe([], 400.0) == [alert]
    assert alert.silenced_by == ()


def test_an_operator_silence_takes_matcher_text_and_names_its_author() -> None:
    handler = AlertHandler()
    silence = handler.add_silence(
        '{service="frontend", severity!="critical"}', 0.0, 900.0, created_by="ana", comment="x"
    )
    assert pending_then_firing(handler, 0.0, 300.0) == []
    assert handler.alerts[0].silenced_by == (silence.id,)
    assert handler.silences.get(silence.id).created_by == "ana"


def test_a_resolved_alert_ends_strictly_after_it_starts_even_if_cleared_at_once() -> None:
    handler = AlertHandler()
    handler.observe([change(300.0, AlertState.INACTIVE, AlertState.FIRING)], 300.0)
    handler.observe([change(300.0, AlertState.FIRING, AlertState.INACTIVE)], 300.0)
    (alert,) = handler.alerts
    assert alert.ends_at is not None
    assert alert.ends_at > alert.starts_at == 300.0


def firing_and_resolved(handler: AlertHandler) -> list[tuple[float, str, int, int]]:
    return [(n.timestamp, n.status, len(n.firing), len(n.resolved)) for n in handler.notifications]


def test_the_default_route_pages_once_per_group_change_and_resolves_exactly_once() -> None:
    handler = AlertHandler()
    pods = [CPU, OTHER_POD, {**CPU, "pod": "frontend-3"}]
    joins = {300: pods[0], 315: pods[1], 405: pods[2]}  # one group: same name and service
    for t in range(300, 3000, 15):
        changes = (
            [change(t, AlertState.PENDING, AlertState.FIRING, joins[t])] if t in joins else []
        )
        if t == 1200:
            changes = [change(t, AlertState.FIRING, AlertState.INACTIVE, pod) for pod in pods]
        handler.observe(changes, float(t))
        handler.flush(float(t))
    # The 30 s group wait batches the first two pods; the third is news at the next flush (every
    # 5 minutes from 330 s); nothing changes until all resolve at 1200 s, which the 1230 s flush
    # reports once; then the group is gone.
    assert firing_and_resolved(handler) == [
        (330.0, "firing", 2, 0),
        (630.0, "firing", 3, 0),
        (1230.0, "resolved", 0, 3),
    ]
    assert handler.dispatcher.groups == {}
    resolved = handler.notifications[-1].alerts
    assert all(a.ends_at is not None and a.ends_at > a.starts_at for a in resolved)
    assert {n.dedup_key for n in handler.notifications} == {handler.notifications[0].dedup_key}


def test_a_flush_due_before_now_sees_the_alerts_as_they_were_then() -> None:
    handler = AlertHandler()
    pending_then_firing(handler, 0.0, 300.0)
    # The group's wait ends at 330 s; the next evaluation, at 345 s, reports the alert
    # resolved: the 330 s flush still pages it as firing.
    handler.observe([change(345.0, AlertState.FIRING, AlertState.INACTIVE)], 345.0)
    assert firing_and_resolved(handler) == [(330.0, "firing", 1, 0)]


def test_the_incident_of_an_alert_is_found_by_its_label_set() -> None:
    handler = AlertHandler()
    (alert,) = pending_then_firing(handler, 0.0, 300.0)
    alert.incident_id = "INC-0001"
    assert handler.incident_of(alert.key) == "INC-0001"
    assert handler.incident_of((("alertname", "Other"),)) is None


def test_a_failed_page_is_tried_again_at_the_next_flush() -> None:
    answers = iter([False, True])
    handler = AlertHandler(notify=lambda _: next(answers))
    pending_then_firing(handler, 0.0, 300.0)
    assert handler.flush(330.0) == []
    assert [n.timestamp for n in handler.flush(630.0)] == [630.0]


def test_an_alert_already_in_an_incident_keeps_its_status_when_muted_but_leaves_pages() -> None:
    handler = AlertHandler()
    (warning,) = pending_then_firing(handler, 0.0, 300.0)
    warning.incident_id = "INC-0001"
    warning.move(AlertStatus.ACKNOWLEDGED, 300.0)
    handler.flush(330.0)
    handler.observe([change(345.0, AlertState.PENDING, AlertState.FIRING, CRITICAL)], 345.0)
    handler.flush(630.0)
    assert warning.status is AlertStatus.ACKNOWLEDGED
    assert warning.inhibited_by == format_label_set(CRITICAL)
    first, second = handler.notifications
    assert [a.labels["severity"] for a in first.alerts] == ["warning"]
    assert [a.labels["severity"] for a in second.alerts] == ["critical"]
