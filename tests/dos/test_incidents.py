from __future__ import annotations

import json

import pytest

from dos.alerts import TrackedAlert
from dos.incidents import IncidentBook, IncidentState, IncidentStateError
from dos.rca import Candidate, Cause, Impact, ImpactAssessment, RCAResult


def alert(name: str = "CPUHigh", severity: str = "warning", pending: float = 60.0) -> TrackedAlert:
    labels = {"alertname": name, "service": "frontend", "pod": "frontend-1", "severity": severity}
    return TrackedAlert(
        key=tuple(sorted(labels.items())),
        labels=labels,
        annotations={},
        pending_at=pending,
        fired_at=pending + 300.0,
        value=97.0,
    )


def test_tickets_are_numbered_in_opening_order() -> None:
    book = IncidentBook()
    first = book.open(alert(), "shop", 360.0)
    second = book.open(alert("LatencyP99High"), "shop", 400.0)
    assert [first.id, second.id] == ["INC-0001", "INC-0002"]
    assert first.alerts[0].incident_id == "INC-0001"
    assert first.state is IncidentState.DETECTED
    assert first.history[0].timestamp == 360.0


def test_an_open_incident_is_found_by_service_until_it_resolves() -> None:
    book = IncidentBook()
    incident = book.open(alert(), "shop", 360.0)
    assert book.open_for("frontend") is incident
    assert book.open_for("cart") is None
    for state in ("identified", "prioritized", "verified", "resolved"):
        incident.advance(IncidentState(state), 400.0)
    assert book.open_for("frontend") is None
    assert book.open_incidents() == []


def test_a_joining_alert_raises_the_severity_and_the_earliest_pending_time_wins() -> None:
    incident = IncidentBook().open(alert(pending=60.0), "shop", 360.0)
    incident.attach(alert("ErrorRateHigh", "critical", pending=30.0))
    assert incident.severity == "critical"
    assert incident.first_alert_at == 30.0
    incident.attach(alert("Other", "info", pending=90.0))
    assert incident.severity == "critical"


def test_the_flow_stamps_each_milestone_once() -> None:
    incident = IncidentBook().open(alert(), "shop", 360.0)
    incident.advance(IncidentState.IDENTIFIED, 361.0)
    incident.advance(IncidentState.PRIORITIZED, 362.0)
    incident.advance(IncidentState.ACTIONED, 370.0, "round 1")
    incident.advance(IncidentState.CONFIRMED, 400.0)
    incident.advance(IncidentState.ACTIONED, 1300.0, "round 2")
    incident.advance(IncidentState.CONFIRMED, 1330.0)
    incident.advance(IncidentState.VERIFIED, 1500.0)
    incident.advance(IncidentState.RESOLVED, 1500.0)
    stamps = (incident.classified_at, incident.first_action_at, incident.mitigated_at)
    assert stamps == (361.0, 370.0, 400.0)
    assert (incident.verified_at, incident.resolved_at) == (1500.0, 1500.0)
    assert len(incident.history) == 9


def test_the_flow_cannot_skip_classification() -> None:
    incident = IncidentBook().open(alert(), "shop", 360.0)
    with pytest.raises(IncidentStateError, match="detected to actioned"):
        incident.advance(IncidentState.ACTIONED, 370.0)


def test_to_dict_is_json_ready_and_carries_the_diagnosis() -> None:
    incident = IncidentBook().open(alert(), "shop", 360.0)
    impact = ImpactAssessment(Impact.HIGH, ("frontend",), 0.02, 0.0, True, ("entry",))
    evidence = ("CPU saturation, no recent deployment, no traffic spike",)
    top = Candidate("frontend", "frontend-1", Cause.CPU_SATURATION, 0.9, evidence)
    incident.rca = RCAResult(361.0, (top,), impact)
    incident.impact = Impact.HIGH
    incident.action_ids.append("a1")
    incident.manual_steps.append("Review recent deployments of frontend")
    incident.escalate(1300.0, "not verified")
    data = json.loads(json.dumps(incident.to_dict()))
    assert data["id"] == "INC-0001"
    assert data["impact"] == "high"
    assert data["alerts"] == [dict(incident.alerts[0].labels)]
    assert data["rca"][0]["cause"] == "cpu_saturation"
    assert data["rca"][0]["evidence"] == list(evidence)
    assert data["history"] == [{"state": "detected", "timestamp": 360.0, "note": "alert CPUHigh"}]
    assert data["actions"] == ["a1"]
    assert data["escalations"] == [{"timestamp": 1300.0, "reason": "not verified"}]
    for key in ("opened_at", "classified_at", "acknowledged_at", "first_action_at"):
        assert key in data
