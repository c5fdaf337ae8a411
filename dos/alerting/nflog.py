"""The notification log: what each receiver was last told about each group, and when.

Deduplication lives here. At every flush a group's current alerts are compared with the
log's entry for (group, receiver); a notification goes out only when the group's state
changed in a way the receiver has not heard of, or when the repeat interval has passed.
This is Alertmanager 0.25's rule, step by step:

1. Never notified about the group: notify if any alert fires.
2. An alert fires that the last notification did not list as firing: notify.
3. Nothing fires any more: notify once if the last notification listed firing alerts
   (this is the group's single resolved notification, sent whatever ``send_resolved``
   says, so that the log forgets the firing alerts); otherwise stay quiet.
4. With ``send_resolved``, an alert resolved that the last notification did not list as
   resolved: notify.
5. Otherwise notify only if the last notification is older than ``repeat_interval``
   (strictly), so with a repeat interval that is a multiple of the group interval a
   repeat goes out one group interval later than the multiple, as in Alertmanager.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from dos.telemetry import Labels

__all__ = ["LogEntry", "NotificationLog", "needs_update"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """The last notification a receiver got about a group: which alerts, and when."""

    firing: frozenset[Labels]
    resolved: frozenset[Labels]
    timestamp: float


def needs_update(
    entry: LogEntry | None,
    firing: Set[Labels],
    resolved: Set[Labels],
    *,
    send_resolved: bool,
    repeat_interval: float,
    now: float,
) -> bool:
    """Tell whether a group whose alerts are ``firing`` and ``resolved`` must notify now."""
    if entry is None:
        return bool(firing)
    if not firing <= entry.firing:
        return True
    if not firing:
        return bool(entry.firing)
    if send_resolved and not resolved <= entry.resolved:
        return True
    return entry.timestamp < now - repeat_interval


class NotificationLog:
    """Entries keyed by (group key, receiver); a new notification replaces the entry."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], LogEntry] = {}

    def get(self, group_key: str, receiver: str) -> LogEntry | None:
        """Return the last notification's entry, or ``None`` if there was none."""
        return self._entries.get((group_key, receiver))

    def log(
        self,
        group_key: str,
        receiver: str,
        firing: Set[Labels],
        resolved: Set[Labels],
        now: float,
    ) -> LogEntry:
        """Record that ``receiver`` was told about ``firing`` and ``resolved`` at ``now``."""
        entry = LogEntry(frozenset(firing), frozenset(resolved), now)
        self._entries[(group_key, receiver)] = entry
        return entry
