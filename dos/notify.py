"""Notifications: what DOS tells people, and the one-method protocol that delivers it.

DOS builds a :class:`Notification` for every page, escalation and resolution and hands it
to a :class:`Notifier` (a pager, a chat webhook, or :class:`MemoryNotifier`, which keeps
them in memory and logs them). Delivery never stops DOS: a notifier that raises is
logged and the attempt is kept as a failed :class:`NotificationRecord`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = [
    "DeliveryStatus",
    "MemoryNotifier",
    "Notification",
    "NotificationKind",
    "NotificationRecord",
    "Notifier",
    "deliver",
]

logger = logging.getLogger(__name__)


class NotificationKind(StrEnum):
    """Why DOS is telling someone."""

    PAGE = "page"
    """A new incident, classified: someone should know."""
    ESCALATION = "escalation"
    """Automation cannot finish the job: a human must act."""
    RESOLVED = "resolved"
    """The incident is verified and closed."""


class DeliveryStatus(StrEnum):
    """Whether the notifier took the notification."""

    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message about one incident; ``incident_id`` doubles as the de-duplication key."""

    timestamp: float
    kind: NotificationKind
    incident_id: str
    service: str
    severity: str
    summary: str
    details: str = ""


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
