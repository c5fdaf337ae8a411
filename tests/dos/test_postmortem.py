from __future__ import annotations

from datetime import UTC, datetime

from dos.actions import ActionKind
from dos.alerts import TrackedAlert
from dos.incidents import Incident, IncidentBook, IncidentState
from dos.notify import DeliveryStatus, Notification, NotificationKind, NotificationRecord
from dos.postmortem import write_postmortem
from dos.rca import Candidate, Cause, Impact, ImpactAssessment, RCAResult
from dos.remediation import AuditRecord, AuditStatus

ORIGIN = datetime(2023, 1, 1, tzinfo=UTC)


def cpu_alert() -> TrackedAlert:
    labels = {"alertname": "CPUHigh", "service": "frontend", "pod": "frontend-1"}
    alert = TrackedAlert(tuple(sorted(labels.items())), labels, {}, 60.0, 390.0, 98.5)
    alert.cleared_at = 600.0
    return alert


def record(action_id: str, kind: ActionKind, status: AuditStatus, **more: object) -> AuditRecord:
    base = AuditRecord(
        action_id=action_id,
        incident_id="INC-0001",
        kind=kind,
        namespace="shop",
        service="frontend",
        pod=None,
        replicas=None,
        reason="cpu_saturation on frontend/frontend-1",
        submitted_at=400.0,
        status=status,
    )
    for name, value in more.items():
        setattr(base, name, value)
    return base


def resolved_incident() -> Incident:
    incident = IncidentBook().open(cpu_alert(), "shop", 390.0)
    incident.title = "cpu_saturation on frontend/frontend-1"
    incident.pod = "frontend-1"
    evidence = ("CPU saturation, no recent deployment, no traffic spike", "frontend-1 at 99%")
    top = Candidate("frontend", "frontend-1", Cause.CPU_SATURATION, 0.9, evidence)
    other = Candidate("frontend", None, Cause.LATENCY, 0.4, ("p99 600 ms",))
    impact = ImpactAssessment(Impact.HIGH, ("frontend",), 0.004, 0.001, True, ("entry service",))
    incident.rca = RCAResult(390.0, (top, other), impact)
    incident.impact = Impact.HIGH
    incident.manual_steps = ["Review recent deployments of frontend"]
    for state, t in (("identified", 390.0), ("prioritized", 390.0), ("actioned", 400.0)):
        incident.advance(IncidentState(state), t)
    for state, t in (("confirmed", 460.0), ("verified", 960.0), ("resolved", 960.0)):
        incident.advance(IncidentState(state), t)
    return incident


def audit() -> list[AuditRecord]:
    return [
        record("a1", ActionKind.SCALE, AuditStatus.CONFIRMED, replicas=4, confirmed_at=430.0),
        record(
            "a2",
            ActionKind.DRAIN,
            AuditStatus.BLOCKED,
            pod="frontend-1",
            guardrail="cooldown",
            message="drain on frontend 1m ago; wait 4m",
        ),
        record("a9", ActionKind.RESTART, AuditStatus.ACCEPTED, incident_id="INC-0002"),
    ]


def test_the_postmortem_has_every_section_with_utc_times() -> None:
    text = write_postmortem(resolved_incident(), audit=audit(), time_origin=ORIGIN)
    for heading in (
        "## Summary",
        "## Timeline",
        "## Root cause",
        "## Impact",
        "## Actions",
        "## Detection and resolution times",
        "## Manual steps",
        "## Follow-ups",
    ):
        assert heading in text
    assert text.startswith("# Post-mortem INC-0001: cpu_saturation on frontend/frontend-1")
    assert "| 390 s (2023-01-01 00:06:30 UTC) | CPUHigh firing on frontend-1" in text
    assert "- CPU saturation, no recent deployment, no traffic spike" in text
    assert "- Level: High (entry service)" in text
    assert "- User-facing error ratio: 0.40% (before: 0.10%)" in text


def test_the_postmortem_lists_only_its_own_actions_with_results() -> None:
    text = write_postmortem(resolved_incident(), audit=audit())
    assert "| a1 | scale frontend to 4 replicas | 400 s | confirmed | 430 s |" in text
    assert "a9" not in text
    assert "Guardrail `cooldown` blocked a2 drain frontend/frontend-1" in text


def test_the_postmortem_reports_times_from_the_first_pending_alert() -> None:
    text = write_postmortem(resolved_incident(), audit=audit())
    assert "- Time to detect (first alert pending to firing): 5m30s" in text
    assert "- Time to first action: 5m40s" in text
    assert "- Time to resolve (MTTR as DOS saw it): 15m" in text


def test_a_slow_alert_earns_a_threshold_review() -> None:
    text = write_postmortem(resolved_incident(), audit=audit())
    assert "- CPUHigh took 5m30s to fire; consider a shorter `for`." in text
    assert "- Update the runbook for cpu_saturation on frontend (DOS took: scale)." in text


def test_notifications_and_escalations_join_the_timeline() -> None:
    incident = resolved_incident()
    incident.escalate(700.0, "not verified within 15m")
    note = Notification(390.0, NotificationKind.PAGE, "INC-0001", "frontend", "warning", "paged")
    sent = [NotificationRecord(note, DeliveryStatus.SENT)]
    text = write_postmortem(incident, audit=audit(), notifications=sent)
    assert "| 390 s | page notification (sent): paged |" in text
    assert "| 700 s | escalated to a human: not verified within 15m |" in text
    assert "- Review why automation escalated: not verified within 15m." in text


def test_an_open_incident_without_actions_reads_as_a_draft() -> None:
    incident = IncidentBook().open(cpu_alert(), "shop", 390.0)
    text = write_postmortem(incident)
    assert "the incident is still open" in text
    assert "No analysis ran." in text
    assert "- Time to resolve (MTTR as DOS saw it): -" in text
    assert "No automatic action ran; decide whether frontend needs one." in text
