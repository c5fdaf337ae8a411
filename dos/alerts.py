"""Alert handling: what DOS does with alerts after its rules (or detectors) fire them.

Sources report Prometheus' states (pending, firing, inactive). Handling does two things
with them. As Alertmanager 0.25 does (:mod:`dos.alerting`), it routes every firing
alert into aggregation groups, mutes what inhibition rules and silences say, and
notifies each group's receiver on the group's timers, once per change of the group's
state; the notification log de-duplicates, and a page's key is per group. On top, it
keeps the brief's lifecycle of each firing episode: Firing -> Acknowledged ->
Investigating -> Mitigating -> Resolved, and Firing -> Suppressed while a silence (a
maintenance window) or an inhibiting alert mutes it.

An alert is identified by its label set: a second firing report of an active alert
(another source, a replica) is folded into the first. The handler tells the caller
which alerts are newly live (firing, not muted, in no incident yet), so that it can
group them into incidents; a suppressed alert opens no incident and pages no one, and
if it still fires when nothing mutes it any more, it becomes live then. A posted alert
starts when it fired (``startsAt``) and, once resolved, ends strictly later
(``endsAt``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from dos.alerting import (
    Dispatcher,
    GroupNotification,
    Inhibitor,
    InhibitRule,
    MatcherSpec,
    Muting,
    Notify,
    PostedAlert,
    Route,
    Silence,
    Silences,
    format_label_set,
)
from dos.config import AlertingConfig
from dos.detect.alert import AlertState, AlertTransition
from dos.durations import parse_duration
from dos.errors import ConfigError, DOSError
from dos.telemetry import Labels

__all__ = [
    "AlertHandler",
    "AlertSource",
    "AlertStatus",
    "AlertStatusError",
    "StatusChange",
    "TrackedAlert",
    "service_of",
]

logger = logging.getLogger(__name__)


class AlertSource(Protocol):
    """Anything that reports alerts' state changes: rule groups, anomaly detectors."""

    def evaluate(self, now: float) -> list[AlertTransition]:
        """Evaluate at ``now``; return the alerts that changed state."""
        ...


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
class StatusChange:
    """An alert entered ``status`` at ``timestamp``."""

    status: AlertStatus
    timestamp: float
    note: str = ""


@dataclass(slots=True)
class TrackedAlert:
    """One firing episode of one alert, from its first pending report to its end.

    ``silenced_by`` (silence ids) and ``inhibited_by`` (the inhibiting alert's labels)
    say what mutes it as of the last evaluation.
    """

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
    silenced_by: tuple[str, ...] = ()
    inhibited_by: str = ""

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

    @property
    def starts_at(self) -> float:
        """When it began firing (Alertmanager's ``startsAt``)."""
        return self.fired_at

    @property
    def ends_at(self) -> float | None:
        """When it resolved (Alertmanager's ``endsAt``), ``None`` while it fires."""
        return self.cleared_at

    def move(self, status: AlertStatus, now: float, note: str = "") -> None:
        """Enter ``status`` at ``now``; staying in the current status is a no-op."""
        if status is self.status:
            return
        if status not in _NEXT[self.status]:
            raise AlertStatusError(self.name, self.status, status)
        self.status = status
        self.history.append(StatusChange(status, now, note))


class AlertHandler:
    """Group, de-duplicate, mute, notify and track alerts from their sources' transitions.

    ``notify`` delivers a group's notification and returns whether it went out (a failed
    one is tried again at the group's next flush); by default every notification is
    taken. Delivered notifications are kept in :attr:`notifications`.
    """

    def __init__(
        self,
        config: AlertingConfig | None = None,
        *,
        notify: Notify | None = None,
        key: str = "alerting",
    ) -> None:
        config = config if config is not None else AlertingConfig()
        config.validate(key)
        self.route = Route.from_config(config.route, f"{key}.route")
        self.silences = _silences(config, key)
        rules = [
            InhibitRule.from_config(rule, f"{key}.inhibit_rules[{i}]")
            for i, rule in enumerate(config.inhibit_rules)
        ]
        self.dispatcher = Dispatcher(
            self.route,
            send_resolved={r.name: r.send_resolved for r in config.receivers},
            inhibitor=Inhibitor(rules),
            silences=self.silences,
            notify=notify,
        )
        self.alerts: list[TrackedAlert] = []
        self.notifications: list[GroupNotification] = []
        self._active: dict[Labels, TrackedAlert] = {}
        self._latest: dict[Labels, TrackedAlert] = {}
        self._pending_since: dict[Labels, float] = {}

    # -- silences ------------------------------------------------------------------------

    def add_silence(
        self,
        matchers: MatcherSpec,
        starts_at: float,
        ends_at: float,
        *,
        created_by: str,
        comment: str,
    ) -> Silence:
        """Silence alerts matching ``matchers`` from ``starts_at`` to ``ends_at``."""
        silence = self.silences.add(
            matchers, starts_at, ends_at, created_by=created_by, comment=comment
        )
        logger.info("%s", silence.describe(), extra={"silence": silence.id})
        return silence

    def expire_silence(self, silence_id: str, now: float) -> Silence:
        """End silence ``silence_id`` at ``now``."""
        return self.silences.expire(silence_id, now)

    def add_maintenance(
        self,
        target: Mapping[str, str] | str,
        start: float,
        end: float,
        *,
        created_by: str = "dos",
        comment: str = "maintenance window",
    ) -> Silence:
        """Silence alerts matching ``target`` (label equalities, or a service) in a window."""
        if end <= start:
            raise ConfigError("maintenance.end", end, f"a time after start ({start})")
        matchers = {"service": target} if isinstance(target, str) else dict(target)
        if not matchers:
            raise ConfigError("maintenance.matchers", target, "at least one label matcher")
        silence = self.silences.add(
            matchers, start, end, created_by=created_by, comment=comment, key="maintenance"
        )
        logger.info("%s", silence.describe(), extra={"silence": silence.id})
        return silence

    # -- the alerts ----------------------------------------------------------------------

    def active(self) -> list[TrackedAlert]:
        """Return the alerts the sources still fire, oldest first."""
        return list(self._active.values())

    def incident_of(self, key: Labels) -> str | None:
        """Return the incident of the latest episode of the alert with label set ``key``."""
        alert = self._latest.get(key)
        return alert.incident_id if alert is not None else None

    def observe(self, transitions: Iterable[AlertTransition], now: float) -> list[TrackedAlert]:
        """Apply the sources' ``transitions`` and return the alerts that became live at ``now``.

        Groups due before ``now`` flush first, seeing the alerts as they were then. A live
        alert is firing, not suppressed and in no incident yet: the caller groups it.
        """
        self._flush(now, inclusive=False)
        fired: list[TrackedAlert] = []
        for change in transitions:
            key: Labels = tuple(sorted(change.labels.items()))
            if change.current is AlertState.PENDING:
                self._pending_since.setdefault(key, change.timestamp)
            elif change.current is AlertState.FIRING:
                alert = self._fire(key, change)
                if alert is not None:
                    fired.append(alert)
            else:
                self._clear(key, change.timestamp)
        released = self._update_muting(now)
        return [a for a in fired if a.status is AlertStatus.FIRING] + released

    def flush(self, now: float) -> list[GroupNotification]:
        """Run the group flushes due at or before ``now``; return what they delivered."""
        return self._flush(now, inclusive=True)

    def _flush(self, now: float, *, inclusive: bool) -> list[GroupNotification]:
        sent = self.dispatcher.advance(now, inclusive=inclusive)
        self.notifications.extend(sent)
        return sent

    def _fire(self, key: Labels, change: AlertTransition) -> TrackedAlert | None:
        """Track a newly firing alert, or fold a duplicate report into the tracked one."""
        if key in self._active:
            self._active[key].repeats += 1
            return None
        t = change.timestamp
        alert = TrackedAlert(
            key=key,
            labels=dict(change.labels),
            annotations=dict(change.annotations),
            pending_at=self._pending_since.pop(key, t),
            fired_at=t,
            value=change.value,
        )
        alert.history.append(StatusChange(AlertStatus.FIRING, t))
        self._active[key] = self._latest[key] = alert
        self.alerts.append(alert)
        self.dispatcher.put(PostedAlert(alert.labels, alert.annotations, t, None, t), t)
        return alert

    def _clear(self, key: Labels, t: float) -> None:
        """Note that the source stopped firing; an alert in no incident is resolved with it."""
        self._pending_since.pop(key, None)
        alert = self._active.pop(key, None)
        if alert is None:
            return
        # A resolved alert ends strictly after it started, even if a source reports both
        # at one instant.
        ends = t if t > alert.fired_at else math.nextafter(alert.fired_at, math.inf)
        alert.cleared_at = ends
        posted = PostedAlert(alert.labels, alert.annotations, alert.fired_at, ends, t)
        self.dispatcher.put(posted, t)
        if alert.incident_id is None:
            alert.move(AlertStatus.RESOLVED, t, "cleared")

    def _update_muting(self, now: float) -> list[TrackedAlert]:
        """Suppress newly muted alerts; return the suppressed ones nothing mutes any more."""
        released = []
        for alert in self._active.values():
            muting = self.dispatcher.muting(alert.labels, now)
            alert.silenced_by = muting.silenced_by
            source = muting.inhibited_by
            alert.inhibited_by = format_label_set(source.labels) if source is not None else ""
            if muting.muted and alert.status is AlertStatus.FIRING:
                note = self._why_muted(muting)
                alert.move(AlertStatus.SUPPRESSED, now, note)
                logger.info("alert %s suppressed: %s", alert.name, note, extra=self._ctx(alert))
            elif not muting.muted and alert.status is AlertStatus.SUPPRESSED:
                alert.move(AlertStatus.FIRING, now, "no longer muted")
                released.append(alert)
        return released

    @staticmethod
    def _ctx(alert: TrackedAlert) -> dict[str, str]:
        return {"alert": alert.name, "service": alert.service}

    def _why_muted(self, muting: Muting) -> str:
        """Word what mutes an alert: its silences, else the alert inhibiting it."""
        if muting.silenced_by:
            return "; ".join(self.silences.get(i).describe() for i in muting.silenced_by)
        assert muting.inhibited_by is not None  # muted, and by no silence
        return f"inhibited by {format_label_set(muting.inhibited_by.labels)}"


def _silences(config: AlertingConfig, key: str) -> Silences:
    """Create the silences the config sets up front (maintenance windows)."""
    silences = Silences()
    for i, silence in enumerate(config.silences):
        where = f"{key}.silences[{i}]"
        silences.add(
            silence.matchers,
            parse_duration(silence.starts_at, f"{where}.starts_at"),
            parse_duration(silence.ends_at, f"{where}.ends_at"),
            created_by=silence.created_by,
            comment=silence.comment,
            key=where,
        )
    return silences
