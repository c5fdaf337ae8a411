"""Incidents: the ticket DOS opens for a group of alerts and carries to resolution.

The brief's remediation flow: Detected -> Classified (Identified -> Prioritized) ->
Mitigated (Actioned -> Confirmed) -> Verified -> Resolved. Every state change is kept in
a timestamped history, so the incident timeline is built from records. A second round of
actions (the first did not verify) takes a confirmed incident back to Actioned; an
incident whose cause went away on its own goes from Prioritized straight to Verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dos.alerts import TrackedAlert
from dos.errors import DOSError
from dos.rca import Impact, RCAResult

__all__ = [
    "Diagnosis",
    "Escalation",
    "HistoryEntry",
    "Incident",
    "IncidentBook",
    "IncidentState",
    "IncidentStateError",
    "severity_rank",
]


class IncidentState(StrEnum):
    """The brief's remediation flow, with its nested states spelt out."""

    DETECTED = "detected"
    IDENTIFIED = "identified"
    PRIORITIZED = "prioritized"
    ACTIONED = "actioned"
    CONFIRMED = "confirmed"
    VERIFIED = "verified"
    RESOLVED = "resolved"


_NEXT: dict[IncidentState, frozenset[IncidentState]] = {
    IncidentState.DETECTED: frozenset({IncidentState.IDENTIFIED}),
    IncidentState.IDENTIFIED: frozenset({IncidentState.PRIORITIZED}),
    IncidentState.PRIORITIZED: frozenset({IncidentState.ACTIONED, IncidentState.VERIFIED}),
    IncidentState.ACTIONED: frozenset({IncidentState.CONFIRMED, IncidentState.VERIFIED}),
    IncidentState.CONFIRMED: frozenset({IncidentState.ACTIONED, IncidentState.VERIFIED}),
    IncidentState.VERIFIED: frozenset({IncidentState.RESOLVED}),
    IncidentState.RESOLVED: frozenset(),
}

_SEVERITY_RANK = {"critical": 3, "error": 2, "warning": 1, "info": 0}


def severity_rank(severity: str) -> int:
    """Order alert severities (critical highest); an unknown one ranks with warning."""
    return _SEVERITY_RANK.get(severity, 1)


class IncidentStateError(DOSError):
    """An incident was asked to move to a state its flow does not allow from where it is."""

    def __init__(self, incident: str, current: IncidentState, wanted: IncidentState) -> None:
        allowed = ", ".join(sorted(_NEXT[current])) or "none"
        super().__init__(
            f"incident {incident}: cannot go from {current} to {wanted}; allowed: {allowed}"
        )
        self.incident = incident
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """The incident entered ``state`` at ``timestamp``."""

    state: IncidentState
    timestamp: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """RCA's best candidate at ``timestamp``: ``summary`` (cause and place) and confidence."""

    timestamp: float
    summary: str
    confidence: float | None = None

    def describe(self) -> str:
        """Word the diagnosis with its confidence."""
        if self.confidence is None:
            return self.summary
        return f"{self.summary} (confidence {self.confidence:.2f})"


@dataclass(frozen=True, slots=True)
class Escalation:
    """DOS handed the incident to a human at ``timestamp``, for ``reason``."""

    timestamp: float
    reason: str


@dataclass(slots=True)
class Incident:
    """One incident: its alerts, diagnosis, actions and timeline."""

    id: str
    namespace: str
    service: str
    opened_at: float
    first_alert_at: float
    title: str = ""
    pod: str | None = None
    severity: str = "warning"
    impact: Impact | None = None
    state: IncidentState = IncidentState.DETECTED
    history: list[HistoryEntry] = field(default_factory=list)
    alerts: list[TrackedAlert] = field(default_factory=list)
    rca: RCAResult | None = None
    action_ids: list[str] = field(default_factory=list)
    manual_steps: list[str] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    acknowledged_at: float | None = None
    classified_at: float | None = None
    first_action_at: float | None = None
    mitigated_at: float | None = None
    verified_at: float | None = None
    resolved_at: float | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the incident is not resolved yet."""
        return self.state is not IncidentState.RESOLVED

    @property
    def alerts_cleared(self) -> bool:
        """Tell whether every alert of the incident has stopped firing."""
        return all(not alert.active for alert in self.alerts)

    def attach(self, alert: TrackedAlert) -> None:
        """Add ``alert`` to the incident, raising its severity to the alert's if higher."""
        alert.incident_id = self.id
        self.alerts.append(alert)
        self.first_alert_at = min(self.first_alert_at, alert.pending_at)
        if severity_rank(alert.severity) > severity_rank(self.severity):
            self.severity = alert.severity

    def advance(self, state: IncidentState, now: float, note: str = "") -> None:
        """Enter ``state`` at ``now`` and keep it in the history."""
        if state not in _NEXT[self.state]:
            raise IncidentStateError(self.id, self.state, state)
        self.state = state
        self.history.append(HistoryEntry(state, now, note))
        self._stamp(state, now)

    def escalate(self, now: float, reason: str) -> Escalation:
        """Record that a human must take over, for ``reason``."""
        escalation = Escalation(now, reason)
        self.escalations.append(escalation)
        return escalation

    def _stamp(self, state: IncidentState, now: float) -> None:
        """Set the milestone timestamps the first time each is reached."""
        milestones = {
            IncidentState.IDENTIFIED: "classified_at",
            IncidentState.ACTIONED: "first_action_at",
            IncidentState.CONFIRMED: "mitigated_at",
            IncidentState.VERIFIED: "verified_at",
            IncidentState.RESOLVED: "resolved_at",
        }
        name = milestones.get(state)
        if name is not None and getattr(self, name) is None:
            setattr(self, name, now)

    def to_dict(self) -> dict[str, object]:
        """Return JSON-ready data: the ticket, its milestones, history, alerts and diagnosis."""
        return {
            "id": self.id,
            "title": self.title,
            "namespace": self.namespace,
            "service": self.service,
            "pod": self.pod,
            "severity": self.severity,
            "impact": str(self.impact) if self.impact is not None else None,
            "state": str(self.state),
            "first_alert_at": self.first_alert_at,
            "opened_at": self.opened_at,
            "acknowledged_at": self.acknowledged_at,
            "classified_at": self.classified_at,
            "first_action_at": self.first_action_at,
            "mitigated_at": self.mitigated_at,
            "verified_at": self.verified_at,
            "resolved_at": self.resolved_at,
            "history": [
                {"state": str(h.state), "timestamp": h.timestamp, "note": h.note}
                for h in self.history
            ],
            "alerts": [dict(alert.labels) for alert in self.alerts],
            "rca": [c.to_dict() for c in self.rca.candidates] if self.rca else [],
            "impact_assessment": self.rca.impact.to_dict() if self.rca else None,
            "actions": list(self.action_ids),
            "manual_steps": list(self.manual_steps),
            "escalations": [
                {"timestamp": e.timestamp, "reason": e.reason} for e in self.escalations
            ],
            "diagnoses": [
                {"timestamp": d.timestamp, "summary": d.summary, "confidence": d.confidence}
                for d in self.diagnoses
            ],
        }


class IncidentBook:
    """Every incident DOS opened, with ticket ids ``INC-0001``, ``INC-0002``, ..."""

    def __init__(self) -> None:
        self.incidents: list[Incident] = []

    def open(self, alert: TrackedAlert, namespace: str, now: float) -> Incident:
        """Open an incident for ``alert`` at ``now``, already in the Detected state."""
        incident = Incident(
            id=f"INC-{len(self.incidents) + 1:04d}",
            namespace=namespace,
            service=alert.service,
            opened_at=now,
            first_alert_at=alert.pending_at,
            title=f"{alert.name} on {alert.service}",
            pod=alert.labels.get("pod"),
            severity=alert.severity,
        )
        incident.history.append(HistoryEntry(IncidentState.DETECTED, now, f"alert {alert.name}"))
        incident.attach(alert)
        self.incidents.append(incident)
        return incident

    def open_for(self, service: str) -> Incident | None:
        """Return the open incident of ``service``, if there is one."""
        for incident in reversed(self.incidents):
            if incident.service == service and incident.is_open:
                return incident
        return None

    def open_incidents(self) -> list[Incident]:
        """Return the incidents not resolved yet, oldest first."""
        return [incident for incident in self.incidents if incident.is_open]
