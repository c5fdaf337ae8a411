"""Alert handling with Alertmanager 0.25's semantics, on DOS's own clock.

The parts, each a module: label :mod:`~dos.alerting.matchers`; the routing tree
(:mod:`~dos.alerting.route`); aggregation groups and their ``group_wait``,
``group_interval`` and ``repeat_interval`` timers (:mod:`~dos.alerting.dispatch`); the
notification log that de-duplicates notifications (:mod:`~dos.alerting.nflog`);
inhibition (:mod:`~dos.alerting.inhibit`); silences, which maintenance windows are
(:mod:`~dos.alerting.silences`). :class:`dos.alerts.AlertHandler` puts them together
with DOS's alert lifecycle.

A page's de-duplication key is per group, as in Alertmanager's pager integrations: the
SHA-256 of the group key. One incident in the pager per group of alerts: later
notifications of the group update it, and its one resolved notification closes it.
"""

from __future__ import annotations

from dos.alerting.alert import PostedAlert, format_label_set, notification_order
from dos.alerting.dispatch import (
    AggregationGroup,
    Dispatcher,
    GroupNotification,
    Muting,
    Notify,
)
from dos.alerting.inhibit import Inhibitor, InhibitRule
from dos.alerting.matchers import (
    Matchers,
    format_matcher,
    format_matchers,
    matchers_from_config,
    matches_all,
    parse_matcher,
    parse_matchers,
)
from dos.alerting.nflog import LogEntry, NotificationLog, needs_update
from dos.alerting.route import Route, RouteOptions
from dos.alerting.silences import (
    MatcherSpec,
    Silence,
    SilenceError,
    Silences,
    SilenceState,
    as_matchers,
    check_silence_matchers,
)

__all__ = [
    "AggregationGroup",
    "Dispatcher",
    "GroupNotification",
    "InhibitRule",
    "Inhibitor",
    "LogEntry",
    "MatcherSpec",
    "Matchers",
    "Muting",
    "NotificationLog",
    "Notify",
    "PostedAlert",
    "Route",
    "RouteOptions",
    "Silence",
    "SilenceError",
    "SilenceState",
    "Silences",
    "as_matchers",
    "check_silence_matchers",
    "format_label_set",
    "format_matcher",
    "format_matchers",
    "matchers_from_config",
    "matches_all",
    "needs_update",
    "notification_order",
    "parse_matcher",
    "parse_matchers",
]
