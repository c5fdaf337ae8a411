from __future__ import annotations

from collections.abc import Iterable

import pytest

from dos.alerting.nflog import LogEntry, NotificationLog, needs_update
from dos.telemetry import Labels

A: Labels = (("alertname", "A"),)
B: Labels = (("alertname", "B"),)


def entry(firing: set[Labels], resolved: Iterable[Labels] = (), t: float = 0.0) -> LogEntry:
    return LogEntry(frozenset(firing), frozenset(resolved), t)


@pytest.mark.parametrize(
    ("last", "firing", "resolved", "send_resolved", "now", "expected"),
    [
        (None, {A}, set(), True, 0.0, True),  # first news of the group
        (None, set(), {A}, True, 0.0, False),  # resolved before anyone heard of it
        (entry({A}), {A, B}, set(), True, 60.0, True),  # a new alert fires
        (entry({A, B}), {A}, {B}, True, 60.0, True),  # one resolved, receiver wants it
        (entry({A, B}), {A}, {B}, False, 60.0, False),  # ...receiver does not
        (entry({A}), set(), {A}, False, 60.0, True),  # all resolved: always, once
        (entry(set(), {A}), set(), {A}, True, 60.0, False),  # ...and only once
        (entry(set()), set(), {B}, True, 60.0, False),  # fired and resolved unseen
        (entry({A}, t=0.0), {A}, set(), True, 100.0, False),  # nothing new, repeat not due
        (entry({A}, t=0.0), {A}, set(), True, 100.5, True),  # repeat due (strictly)
        (entry({A}, {B}), {A}, {B}, True, 60.0, False),  # resolved already told
    ],
)
def test_needs_update_follows_alertmanagers_rule(
    last: LogEntry | None,
    firing: set[Labels],
    resolved: set[Labels],
    send_resolved: bool,
    now: float,
    expected: bool,
) -> None:
    got = needs_update(
        last, firing, resolved, send_resolved=send_resolved, repeat_interval=100.0, now=now
    )
    assert got is expected


def test_the_log_keeps_the_last_entry_per_group_and_receiver() -> None:
    log = NotificationLog()
    log.log("g", "pager", {A}, set(), 10.0)
    log.log("g", "pager", set(), {A}, 20.0)
    log.log("g", "chat", {A}, set(), 30.0)
    assert log.get("g", "pager") == LogEntry(frozenset(), frozenset({A}), 20.0)
    assert log.get("g", "chat") == LogEntry(frozenset({A}), frozenset(), 30.0)
    assert log.get("h", "pager") is None
