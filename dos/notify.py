"""Notifications: what DOS tells people, and the one-method protocol that delivers it.

DOS builds a :class:`Notification` for every page (a group of alerts fires, changes or
resolves, on Alertmanager's timers: see :mod:`dos.alerting`) and every escalation, and
hands it to a :class:`Notifier` (a pager, a chat webhook, or :class:`MemoryNotifier`,
which keeps them in memory and logs them). Delivery never stops DOS: a notifier that
raises is logged and the attempt is kept as a failed :class:`NotificationRecord` (a
failed page is tried again at its group's next flush).

``dedup_key`` is what a pager de-duplicates on. For a page it is per group of alerts
(the SHA-256 of the Alertmanager group key, as Alertmanager's pager integrations send
it): the group's later notifications update the same page and its resolved notification
closes it. An escalation's key is its incident's id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dos.alerting import GroupNotification, PostedAlert
from dos.alerts import service_of
from dos.incidents import Incident, severity_rank

__all__ = [
    "DeliveryStatus",
    "MemoryNotifier",
    "Notification",
    "NotificationKind",
    "NotificationRecord",
    "Notifier",
    "deliver",
    "group_page",
]

logger = logging.getLogger(__name__)


class NotificationKind(StrEnum):
    """Why DOS is telling someone."""

    PAGE = "page"
    """A group of alerts fires, or fires differently: open or update the group's page."""
    ESCALATION = "escalation"
    """Automation cannot finish an incident: a human must act."""
    RESOLVED = "resolved"
    """Every alert of a group resolved: close the group's page (once per episode)."""


class DeliveryStatus(StrEnum):
    """Whether the notifier took the notification."""

    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message: a group's page (with its alerts) or an incident's escalation.

    ``incident_id`` is the incident the message is about (for a page, the incident of
    its alerts, ``""`` if they are in none); ``receiver`` and ``group_key`` name the
    route's receiver and the alert group of a page.
    """

    timestamp: float
    kind: NotificationKind
    incident_id: str
    service: str
    severity: str
    summary: str
    details: str = ""
    dedup_key: str = ""
    receiver: str = ""
    group_key: str = ""
    alerts: tuple[PostedAlert, ...] = ()


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    """A delivery attempt: the notification, whether it went out, and the error if not."""

    notification: Notification
    status: DeliveryStatus
    error: str = ""

    @property
    def timestamp(self) -> float:
        """When DOS sent the notification."""
        return self.notification.timestamp

    def to_dict(self) -> dict[str, object]:
        """Return JSON-ready data."""
        note = self.notification
        return {
            "timestamp": note.timestamp,
            "kind": str(note.kind),
            "incident_id": note.incident_id,
            "service": note.service,
            "severity": note.severity,
            "summary": note.summary,
            "details": note.details,
            "dedup_key": note.dedup_key,
            "receiver": note.receiver,
            "group_key": note.group_key,
            "alerts": [alert.to_dict() for alert in note.alerts],
            "status": str(self.status),
            "error": self.error,
        }


class Notifier(Protocol):
    """Delivers notifications to people."""

    def send(self, notification: Notification) -> None:
        """Deliver ``notification``; raise if it cannot be delivered."""
        ...


class MemoryNotifier:
    """Keep every notification in :attr:`sent` and log it; the default notifier."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        """Keep ``notification`` and log it."""
        self.sent.append(notification)
        logger.info(
            "%s %s: %s",
            notification.kind,
            notification.incident_id,
            notification.summary,
            extra={"incident_id": notification.incident_id, "service": notification.service},
        )


def deliver(notifier: Notifier, notification: Notification) -> NotificationRecord:
    """Send ``notification`` through ``notifier`` and record how it went."""
    try:
        notifier.send(notification)
    # Observation must never break the observed loop: any notifier error is recorded.
    except Exception as error:
        logger.warning(
            "notifier failed for %s: %s",
            notification.incident_id,
            error,
            extra={"incident_id": notification.incident_id, "service": notification.service},
        )
        return NotificationRecord(notification, DeliveryStatus.FAILED, repr(error))
    return NotificationRecord(notification, DeliveryStatus.SENT)


def group_page(group: GroupNotification, incidents: Sequence[Incident] = ()) -> Notification:
    """Word a group's notification as a page, naming the ``incidents`` of its alerts.

    The summary reads as Alertmanager's default title (``[FIRING:2] CPUHigh shop
    frontend``) followed by each incident's id, impact and diagnosis; the details hold
    each incident's evidence.
    """
    resolved = group.status == "resolved"
    values = " ".join(group.group_labels[name] for name in sorted(group.group_labels))
    count = "" if resolved else f":{len(group.firing)}"
    summary = f"[{group.status.upper()}{count}] {values}".rstrip()
    if incidents:
        summary = f"{summary} - " + "; ".join(_headline(i) for i in incidents)
    severities = [a.labels.get("severity", "warning") for a in group.alerts]
    return Notification(
        timestamp=group.timestamp,
        kind=NotificationKind.RESOLVED if resolved else NotificationKind.PAGE,
        incident_id=incidents[0].id if incidents else "",
        service=group.group_labels.get("service") or service_of(group.alerts[0].labels),
        severity=max(severities, key=severity_rank),
        summary=summary,
        details="\n".join(_evidence(i) for i in incidents if i.rca and i.rca.top),
        dedup_key=group.dedup_key,
        receiver=group.receiver,
        group_key=group.group_key,
        alerts=group.alerts,
    )


def _headline(incident: Incident) -> str:
    """Name an incident in a page: its id, impact once assessed, and title."""
    impact = f" [{incident.impact} impact]" if incident.impact is not None else ""
    return f"{incident.id}{impact} {incident.title}"


def _evidence(incident: Incident) -> str:
    """Word the evidence of an incident's top diagnosis."""
    top = incident.rca.top if incident.rca is not None else None
    return f"{incident.id}: " + "; ".join(top.evidence if top is not None else ())
