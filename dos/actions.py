"""Remediation actions: the data contract between DOS and whatever carries actions out.

DOS decides; an ``Actuator`` (the twin's cluster, a Kubernetes client, a dry-run log)
carries the action out. ``submit`` answers at once whether the action was accepted; its
effect shows up later in the telemetry (events such as ``scaling`` or ``pod_deleted``
carry the action id in their attributes), as it does with a real control plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["Action", "ActionKind", "ActionResult", "ActionStatus", "Actuator"]


class ActionKind(StrEnum):
    """What DOS can ask a cluster to do."""

    SCALE = "scale"
    """Set the service's replica count to ``replicas``."""
    DRAIN = "drain"
    """Take ``pod`` out of the load balancer (readiness false); it keeps running."""
    DELETE_POD = "delete_pod"
    """Delete ``pod``; its ReplicaSet replaces it with a fresh one."""
    RESTART = "restart"
    """Rolling restart of every pod of the service."""
    ROLLBACK = "rollback"
    """Roll the deployment back to its previous revision."""


class ActionStatus(StrEnum):
    """How an actuator answered a submitted action."""

    ACCEPTED = "accepted"
    FAILED = "failed"
    REJECTED = "rejected"
    DRY_RUN = "dry_run"


@dataclass(frozen=True, slots=True)
class Action:
    """One remediation step aimed at a service (and a pod where the step needs one)."""

    id: str
    kind: ActionKind
    namespace: str
    service: str
    pod: str | None = None
    replicas: int | None = None
    reason: str = ""
    incident_id: str | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The actuator's answer to one submitted action."""

    action: Action
    status: ActionStatus
    submitted_at: float
    message: str = ""


class Actuator(Protocol):
    """Carries remediation actions out."""

    def submit(self, action: Action, now: float) -> ActionResult:
        """Start carrying ``action`` out at time ``now`` and say whether it was accepted."""
        ...
