"""Alert handling: what DOS does with alerts after its rules fire them.

Rules report Prometheus' states (pending, firing, inactive). Handling adds the brief's
lifecycle on top: Firing -> Acknowledged -> Investigating -> Mitigating -> Resolved, and
Firing -> Suppressed while a maintenance window covers the alert. The handler
de-duplicates by alert key (a second firing report of an active alert is folded into the
first) and tells the caller which alerts are newly live, so it can group them into
incidents. A suppressed alert opens no incident and pages no one; if it is still firing
when its window ends, it becomes live then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dos.detect.alert import AlertState, AlertTransition
from dos.errors import ConfigError, DOSError
from dos.telemetry import Labels

__all__ = [
    "AlertHandler",
    "AlertStatus",
    "AlertStatusError",
    "MaintenanceWindow",
    "StatusChange",
    "TrackedAlert",
    "service_of",
]

logger = logging.getLogger(__name__)


class AlertStatus(StrEnum):
    """The brief's alert states, as DOS handles them."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    MITIGATING = "mitigating"
    RESOLVED = "resolved"
    SUPPRESSED = "suppressed"


# The brief's state diagram; a status may also jump ahead (an incident resolved on its own
# takes its alerts from Investigating straight to Resolved).
_NEXT: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.FIRING: frozenset(
        {
            AlertStatus.ACKNOWLEDGED,
            AlertStatus.SUPPRESSED,
            AlertStatus.RESOLVED,
        }
    ),
    AlertStatus.SUPPRESSED: frozenset({AlertStatus.FIRING, AlertStatus.RESOLVED}),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.INVESTIGATING, AlertStatus.RESOLVED}),
    AlertStatus.INVESTIGATING: frozenset({AlertStatus.MITIGATING, AlertStatus.RESOLVED}),
    AlertStatus.MITIGATING: frozenset({AlertStatus.RESOLVED}),
    AlertStatus.RESOLVED: frozenset(),
}


class AlertStatusError(DOSError):
    """An alert was asked to move to a status its lifecycle does not allow from where it is."""

    def __init__(self, alert: str, current: AlertStatus, wanted: AlertStatus) -> None:
        allowed = ", ".join(sorted(_NEXT[current])) or "none"
        super().__init__(
            f"alert {alert}: cannot go from {current} to {wanted}; allowed: {allowed}"
        )
        self.alert = alert
        self.current = current
        self.wanted = wanted


def service_of(labels: Mapping[str, str]) -> str:
    """Name the service an alert is about: its ``service``, ``deployment`` or ``job`` label.

    An alert with none of them is grouped under its own name.
    """
    for name in ("service", "deployment", "job"):
        if labels.get(name):
            return labels[name]
    return labels.get("alertname", "")


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Alerts whose labels match ``matchers`` are suppressed during ``[start, end)``."""

    matchers: Mapping[str, str]
    start: float
    end: float

    def covers(self, labels: Mapping[str, str], t: float) -> bool:
        """Tell whether the window holds at ``t`` for an alert with ``labels``."""
        if not self.start <= t < self.end:
            return False
        return all(labels.get(name) == value for name, value in self.matchers.items())


@dataclass(frozen=True, slots=True)
class StatusChange:
    """An alert entered ``status`` at ``timestamp``."""

    status: AlertStatus
    timestamp: float
    note: str = ""


@dataclass(slots=True)
class TrackedAlert:
    """One firing episode of one alert, from its first pending report to its end."""

    key: Labels
    labels: dict[str, str]
    annotations: dict[str, str]
    pending_at: float
    fired_at: float
    value: float
    status: AlertStatus = AlertStatus.FIRING
    history: list[StatusChange] = field(default_factory=list)
    cleared_at: float | None = None
    incident_id: str | None = None
    repeats: int = 0

    @property
    def name(self) -> str:
        """The alert's name."""
        return self.labels.get("alertname", "")

    @property
    def service(self) -> str:
        """The service the alert is about."""
        return service_of(self.labels)

    @property
    def severity(self) -> str:
        """The alert's ``severity`` label, ``warning`` when it has none."""
        return self.labels.get("severity", "warning")

    @property
    def active(self) -> bool:
        """Tell whether the rule still fires it."""
        return self.cleared_at is None

    def move(self, status: AlertStatus, now: float, note: str = "") -> None:
        """Enter ``status`` at ``now``; staying in the current status is a no-op."""
        if status is self.status:
            return
        if status not in _NEXT[self.status]:
            raise AlertStatusError(self.name, self.status, status)
        self.status = status
        self.history.append(StatusChange(status, now, note))


class AlertHandler:
    """De-duplicate, suppress and track alerts from the rules' transitions."""

    def __init__(self) -> None:
        self.alerts: list[TrackedAlert] = []
        self.maintenance: list[MaintenanceWindow] = []
        self._active: dict[Labels, TrackedAlert] = {}
        self._pending_since: dict[Labels, float] = {}

    def add_maintenance(
        self, target: Mapping[str, str] | str, start: float, end: float
    ) -> MaintenanceWindow:
        """Suppress alerts matching ``target`` (label matchers, or a service name) in a window."""
        if end <= start:
            raise ConfigError("maintenance.end", end, f"a time after start ({start})")
        matchers = {"service": target} if isinstance(target, str) else dict(target)
        if not matchers:
            raise ConfigError("maintenance.matchers", target, "at least one label matcher")
        window = MaintenanceWindow(matchers, float(start), float(end))
        self.maintenance.append(window)
        return window

    def active(self) -> list[TrackedAlert]:
        """Return the alerts the rules still fire, oldest first."""
        return list(self._active.values())

    def observe(self, transitions: Iterable[AlertTransition], now: float) -> list[TrackedAlert]:
        """Apply the rules' ``transitions`` and return the alerts that became live at ``now``.

        A live alert is firing, not suppressed and in no incident yet: the caller groups it.
        """
        live: list[TrackedAlert] = []
        for change in transitions:
            key: Labels = tuple(sorted(change.labels.items()))
            if change.current is AlertState.PENDING:
                self._pending_since.setdefault(key, change.timestamp)
            elif change.current is AlertState.FIRING:
                alert = self._fire(key, change)
                if alert is not None and alert.status is AlertStatus.FIRING:
                    live.append(alert)
            else:
                self._clear(key, change.timestamp)
        live.extend(self._release(now))
        return live

    def _fire(self, key: Labels, change: AlertTransition) -> TrackedAlert | None:
        """Track a newly firing alert, or fold a duplicate report into the tracked one."""
        if key in self._active:
            self._active[key].repeats += 1
            return None
        pending_at = self._pending_since.pop(key, change.timestamp)
        alert = TrackedAlert(
            key=key,
            labels=dict(change.labels),
            annotations=dict(change.annotations),
            pending_at=pending_at,
            fired_at=change.timestamp,
            value=change.value,
        )
        alert.history.append(StatusChange(AlertStatus.FIRING, change.timestamp))
        window = self._window_for(alert.labels, change.timestamp)
        if window is not None:
            note = f"maintenance window until {window.end:g}s"
            alert.move(AlertStatus.SUPPRESSED, change.timestamp, note)
            logger.info("alert %s suppressed: %s", alert.name, note, extra={"alert": alert.name})
        self._active[key] = alert
        self.alerts.append(alert)
        return alert

    def _clear(self, key: Labels, t: float) -> None:
        """Note that the rule stopped firing; an alert in no incident is resolved with it."""
        self._pending_since.pop(key, None)
        alert = self._active.pop(key, None)
        if alert is None:
            return
        alert.cleared_at = t
        if alert.incident_id is None:
            alert.move(AlertStatus.RESOLVED, t, "cleared")

    def _release(self, now: float) -> list[TrackedAlert]:
        """Make suppressed alerts live again once no window covers them."""
        released = []
        for alert in self._active.values():
            if alert.status is AlertStatus.SUPPRESSED and not self._window_for(alert.labels, now):
                alert.move(AlertStatus.FIRING, now, "maintenance window over")
                released.append(alert)
        return released

    def _window_for(self, labels: Mapping[str, str], t: float) -> MaintenanceWindow | None:
        """Return a maintenance window covering ``labels`` at ``t``, if any."""
        for window in self.maintenance:
            if window.covers(labels, t):
                return window
        return None
