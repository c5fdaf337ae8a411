"""The audit log: one record per action DOS decided on, whatever became of it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dos.actions import ActionKind

__all__ = ["AuditRecord", "AuditStatus"]


class AuditStatus(StrEnum):
    """What became of an action: the actuator's answer, a guardrail's refusal, or its effect."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FAILED = "failed"
    DRY_RUN = "dry_run"
    BLOCKED = "blocked"
    """A guardrail refused the action; it was never submitted."""
    CONFIRMED = "confirmed"
    """The action's effect showed up in the telemetry."""


@dataclass(slots=True)
class AuditRecord:
    """What DOS did, why, when and as whom, and the result (updated on confirmation)."""

    action_id: str
    incident_id: str
    kind: ActionKind
    namespace: str
    service: str
    pod: str | None
    replicas: int | None
    reason: str
    submitted_at: float
    status: AuditStatus
    actor: str = "dos"
    message: str = ""
    guardrail: str = ""
    confirmed_at: float | None = None
    round: int = 1

    @property
    def took_effect(self) -> bool:
        """Tell whether the actuator accepted the action (confirmed or not yet)."""
        return self.status in {AuditStatus.ACCEPTED, AuditStatus.CONFIRMED}

    def to_dict(self) -> dict[str, object]:
        """Return JSON-ready data."""
        return {
            "action_id": self.action_id,
            "incident_id": self.incident_id,
            "kind": str(self.kind),
            "namespace": self.namespace,
            "service": self.service,
            "pod": self.pod,
            "replicas": self.replicas,
            "reason": self.reason,
            "submitted_at": self.submitted_at,
            "actor": self.actor,
            "status": str(self.status),
            "message": self.message,
            "guardrail": self.guardrail,
            "confirmed_at": self.confirmed_at,
            "round": self.round,
        }
