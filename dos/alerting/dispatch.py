"""Aggregation groups and their timers: when a group of alerts notifies its receiver.

Each route that keeps an alert puts it in the aggregation group of its group labels,
creating the group if needed. A new group flushes first after ``group_wait`` (at once if
an alert in it already began more than ``group_wait`` ago and the group never flushed),
then every ``group_interval``. A flush takes the group's alerts as they stand at that
instant, drops the muted ones (inhibited, then silenced; they stay in the group), asks
the notification log whether the receiver must hear about the rest
(:func:`dos.alerting.nflog.needs_update`), and if so hands one
:class:`GroupNotification` to the ``notify`` callback. After a delivered (or
deliberately skipped) flush the resolved alerts leave the group, and an empty group is
removed, so an alert that fires again later opens a new group with a new ``group_wait``.
A failed delivery changes nothing: the next flush tries again.

Time only moves when the caller says so: :meth:`Dispatcher.advance` runs, in time order,
every flush due up to a time, each stamped with its own due time. Alerts must be put in
time order.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from dos.alerting.alert import PostedAlert, format_label_set, notification_order
from dos.alerting.inhibit import Inhibitor
from dos.alerting.nflog import NotificationLog, needs_update
from dos.alerting.route import Route
from dos.alerting.silences import Silences
from dos.telemetry import Labels

__all__ = ["AggregationGroup", "Dispatcher", "GroupNotification", "Muting", "Notify"]

logger = logging.getLogger(__name__)

Notify = Callable[["GroupNotification"], bool]
"""Deliver a notification; return whether it went out."""


@dataclass(frozen=True, slots=True)
class GroupNotification:
    """One notification of one aggregation group to its receiver, at ``timestamp``."""

    timestamp: float
    receiver: str
    group_key: str
    group_labels: Mapping[str, str]
    alerts: tuple[PostedAlert, ...]

    @property
    def firing(self) -> tuple[PostedAlert, ...]:
        """The alerts that fire at the time of the notification."""
        return tuple(a for a in self.alerts if a.ends_at is None)

    @property
    def resolved(self) -> tuple[PostedAlert, ...]:
        """The alerts that had resolved by the time of the notification."""
        return tuple(a for a in self.alerts if a.ends_at is not None)

    @property
    def status(self) -> str:
        """``firing`` while any alert of the notification fires, else ``resolved``."""
        return "firing" if self.firing else "resolved"

    @property
    def dedup_key(self) -> str:
        """The group's key hashed, as Alertmanager's pager integrations send it."""
        return hashlib.sha256(self.group_key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Muting:
    """Why an alert is muted at some time: the silences and the alert inhibiting it."""

    silenced_by: tuple[str, ...] = ()
    inhibited_by: PostedAlert | None = None

    @property
    def muted(self) -> bool:
        """Tell whether anything mutes the alert."""
        return bool(self.silenced_by) or self.inhibited_by is not None


class AggregationGroup:
    """The alerts one route keeps for one set of group labels, and the group's timer."""

    def __init__(self, route: Route, labels: Mapping[str, str], now: float) -> None:
        self.route = route
        self.labels = dict(labels)
        self.key = f"{route.key}:{format_label_set(labels)}"
        self.alerts: dict[Labels, PostedAlert] = {}
        self.next_flush = now + route.options.group_wait
        self.has_flushed = False

    def insert(self, alert: PostedAlert, now: float) -> None:
        """Add or replace ``alert``; flush at once if it waited long enough already."""
        self.alerts[alert.fingerprint] = alert
        if not self.has_flushed and alert.starts_at + self.route.options.group_wait < now:
            self.next_flush = min(self.next_flush, now)

    def snapshot(self, t: float) -> list[PostedAlert]:
        """Return the alerts as they stand at ``t`` (an end after ``t`` does not count yet)."""
        alerts = [
            a if a.resolved_at(t) else replace(a, ends_at=None) for a in self.alerts.values()
        ]
        return sorted(alerts, key=notification_order)

    def forget_resolved(self, flushed: list[PostedAlert]) -> None:
        """Remove the resolved alerts of a flush unless they were updated since."""
        for alert in flushed:
            stored = self.alerts.get(alert.fingerprint)
            unchanged = stored is not None and stored.updated_at == alert.updated_at
            if alert.ends_at is not None and unchanged:
                del self.alerts[alert.fingerprint]


class Dispatcher:
    """Route alerts into aggregation groups and flush the groups on their timers.

    ``send_resolved`` maps a receiver to whether it wants resolved alerts (default yes);
    ``notify`` delivers a notification and returns whether it went out.
    """

    def __init__(
        self,
        route: Route,
        *,
        send_resolved: Mapping[str, bool] | None = None,
        inhibitor: Inhibitor | None = None,
        silences: Silences | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.route = route
        self.send_resolved = dict(send_resolved or {})
        self.inhibitor = inhibitor or Inhibitor()
        self.silences = silences if silences is not None else Silences()
        self.notify: Notify = notify or (lambda _: True)
        self.log = NotificationLog()
        self.groups: dict[str, AggregationGroup] = {}
        self._firing: dict[Labels, PostedAlert] = {}

    def put(self, alert: PostedAlert, now: float) -> None:
        """Take a new or updated alert at ``now`` into every group its routes choose."""
        if alert.ends_at is None:
            self._firing[alert.fingerprint] = alert
        else:
            self._firing.pop(alert.fingerprint, None)
        self.inhibitor.observe(alert)
        for route in self.route.match(alert.labels):
            labels = route.group_labels(alert.labels)
            key = f"{route.key}:{format_label_set(labels)}"
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = AggregationGroup(route, labels, now)
            group.insert(alert, now)

    def firing(self) -> list[PostedAlert]:
        """Return the alerts firing now, in the order they were first put."""
        return list(self._firing.values())

    def muting(self, labels: Mapping[str, str], t: float) -> Muting:
        """Tell what mutes an alert with ``labels`` at ``t``: silences, inhibition."""
        return Muting(self.silences.muting(labels, t), self.inhibitor.inhibitor(labels))

    def next_flush(self) -> float | None:
        """Return when the next group flushes, or ``None`` with no group."""
        return min((g.next_flush for g in self.groups.values()), default=None)

    def advance(self, until: float, *, inclusive: bool = True) -> list[GroupNotification]:
        """Run every flush due before ``until`` (or at it, if ``inclusive``), in time order.

        Return the notifications delivered.
        """
        sent: list[GroupNotification] = []
        while self.groups:
            group = min(self.groups.values(), key=lambda g: (g.next_flush, g.key))
            if group.next_flush > until or (group.next_flush == until and not inclusive):
                break
            note = self._flush(group)
            if note is not None:
                sent.append(note)
        return sent

    def _flush(self, group: AggregationGroup) -> GroupNotification | None:
        """Flush ``group`` at its due time; return the notification if one went out."""
        t = group.next_flush
        group.next_flush = t + group.route.options.group_interval
        group.has_flushed = True
        alerts = group.snapshot(t)
        kept = [a for a in alerts if not self.muting(a.labels, t).muted]
        note, delivered = self._notify(group, kept, t) if kept else (None, True)
        if delivered:
            group.forget_resolved(alerts)
        if not group.alerts:
            del self.groups[group.key]
        return note

    def _notify(
        self, group: AggregationGroup, alerts: list[PostedAlert], t: float
    ) -> tuple[GroupNotification | None, bool]:
        """Notify the receiver if the log says so; return the notification and success."""
        options = group.route.options
        firing = {a.fingerprint for a in alerts if a.ends_at is None}
        resolved = {a.fingerprint for a in alerts if a.ends_at is not None}
        send_resolved = self.send_resolved.get(options.receiver, True)
        entry = self.log.get(group.key, options.receiver)
        if not needs_update(
            entry,
            firing,
            resolved,
            send_resolved=send_resolved,
            repeat_interval=options.repeat_interval,
            now=t,
        ):
            return None, True
        sent = alerts if send_resolved else [a for a in alerts if a.ends_at is None]
        note = None
        if sent:  # a receiver that wants no resolved alerts is told nothing, but logged
            note = GroupNotification(t, options.receiver, group.key, group.labels, tuple(sent))
            if not self.notify(note):
                logger.warning("notification of group %s failed; retrying next flush", group.key)
                return None, False
        self.log.log(group.key, options.receiver, firing, resolved, t)
        return note, True
