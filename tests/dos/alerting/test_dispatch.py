from __future__ import annotations

import hashlib

from dos.alerting.alert import PostedAlert
from dos.alerting.dispatch import Dispatcher, GroupNotification
from dos.alerting.inhibit import Inhibitor, InhibitRule
from dos.alerting.route import Route
from dos.config import InhibitRuleConfig, RouteConfig


def route(receiver: str = "pager") -> Route:
    """Group by alert name, with small timers so that each rule shows in a few steps."""
    config = RouteConfig(
        receiver=receiver,
        group_by=["alertname"],
        group_wait="30s",
        group_interval="60s",
        repeat_interval="300s",
    )
    return Route.from_config(config)


def dispatcher(*, send_resolved: bool = True) -> tuple[Dispatcher, list[GroupNotification]]:
    sent: list[GroupNotification] = []

    def notify(note: GroupNotification) -> bool:
        sent.append(note)
        return True

    d = Dispatcher(route(), send_resolved={"pager": send_resolved}, notify=notify)
    return d, sent


def fire(d: Dispatcher, t: float, pod: str, name: str = "CPUHigh") -> None:
    d.put(PostedAlert({"alertname": name, "pod": pod}, {}, t, None, t), t)


def resolve(d: Dispatcher, t: float, pod: str, started: float, name: str = "CPUHigh") -> None:
    d.put(PostedAlert({"alertname": name, "pod": pod}, {}, started, t, t), t)


def summary(sent: list[GroupNotification]) -> list[tuple[float, list[str], list[str]]]:
    return [
        (n.timestamp, [a.labels["pod"] for a in n.firing], [a.labels["pod"] for a in n.resolved])
        for n in sent
    ]


def test_group_wait_batches_the_alerts_of_a_new_group_into_one_notification() -> None:
    d, sent = dispatcher()
    fire(d, 0.0, "a")
    fire(d, 15.0, "b")
    assert d.advance(29.0) == []
    d.advance(30.0)
    assert summary(sent) == [(30.0, ["a", "b"], [])]


def test_an_alert_joining_after_the_first_flush_waits_for_the_group_interval() -> None:
    d, sent = dispatcher()
    fire(d, 0.0, "a")
    d.advance(30.0)
    fire(d, 40.0, "b")
    d.advance(89.0)
    assert len(sent) == 1
    d.advance(90.0)
    assert summary(sent)[1] == (90.0, ["a", "b"], [])


def test_an_unchanged_group_repeats_only_after_the_repeat_interval_strictly() -> None:
    d, sent = dispatcher()
    fire(d, 0.0, "a")
    d.advance(30.0 + 600.0)
    # Flushes run every 60 s from 30 s; at 330 s the last page is exactly 300 s old, which is
    # not older than the repeat interval, so the repeat goes out one group interval later.
    assert [n.timestamp for n in sent] == [30.0, 390.0]


def test_an_old_alert_in_a_group_that_never_flushed_flushes_at_once() -> None:
    d, sent = dispatcher()
    d.put(PostedAlert({"alertname": "CPUHigh", "pod": "a"}, {}, 0.0, None, 100.0), 100.0)
    d.advance(100.0)
    assert summary(sent) == [(100.0, ["a"], [])]


def test_a_group_notifies_once_when_all_resolved_then_is_gone_and_starts_afresh() -> None:
    d, sent = dispatcher()
    fire(d, 0.0, "a")
    d.advance(30.0)
    resolve(d, 45.0, "a", started=0.0)
    d.advance(1000.0)
    assert summary(sent) == [(30.0, ["a"], []), (90.0, [], ["a"])]
    (gone,) = sent[1].alerts
    assert gone.ends_at is not None
    assert gone.ends_at > gone.starts_at
    assert sent[1].status == "resolved"
    assert d.groups == {}
    fire(d, 1000.0, "a")
    d.advance(1100.0)
    assert [n.timestamp for n in sent[2:]] == [1030.0]  # a new group: group_wait again


def test_one_alert_resolving_in_a_group_is_sent_only_to_receivers_that_want_it() -> None:
    for send_resolved, expected in ((True, [(90.0, ["b"], ["a"])]), (False, [])):
        d, sent = dispatcher(send_resolved=send_resolved)
        fire(d, 0.0, "a")
        fire(d, 0.0, "b")
        d.advance(30.0)
        resolve(d, 45.0, "a", started=0.0)
        d.advance(100.0)
        assert summary(sent[1:]) == expected


def test_a_receiver_without_resolved_alerts_still_gets_no_firing_alert_twice() -> None:
    d, sent = dispatcher(send_resolved=False)
    fire(d, 0.0, "a")
    d.advance(30.0)
    resolve(d, 45.0, "a", started=0.0)
    d.advance(1000.0)
    assert summary(sent) == [(30.0, ["a"], [])]  # the resolution is logged, not sent
    assert d.log.get(sent[0].group_key, "pager") is not None
    assert d.groups == {}


def test_an_alert_that_fired_and_resolved_between_flushes_is_never_notified() -> None:
    d, sent = dispatcher()
    fire(d, 0.0, "a")
    resolve(d, 15.0, "a", started=0.0)
    d.advance(1000.0)
    assert sent == []
    assert d.groups == {}


def test_a_failed_delivery_changes_nothing_and_is_tried_at_the_next_flush() -> None:
    tries: list[float] = []

    def flaky(note: GroupNotification) -> bool:
        tries.append(note.timestamp)
        return len(tries) > 1

    d = Dispatcher(route(), notify=flaky)
    fire(d, 0.0, "a")
    assert d.advance(30.0) == []
    assert [n.timestamp for n in d.advance(90.0)] == [90.0]
    assert tries == [30.0, 90.0]


def test_muted_alerts_stay_in_the_group_but_are_left_out_of_its_notifications() -> None:
    d, sent = dispatcher()
    d.silences.add('pod="a"', 0.0, 180.0, created_by="ops", comment="test")
    fire(d, 0.0, "a")
    d.advance(90.0)
    assert sent == []  # everything muted: no notification, nothing logged
    fire(d, 95.0, "b")
    d.advance(150.0)
    assert summary(sent) == [(150.0, ["b"], [])]
    d.advance(210.0)
    assert summary(sent)[1:] == [(210.0, ["a", "b"], [])]  # a is news once unmuted


def test_inhibited_alerts_are_left_out_while_their_source_fires() -> None:
    rule = InhibitRule.from_config(
        InhibitRuleConfig(
            source_match={"alertname": "Down"}, target_match={"alertname": "CPUHigh"}
        )
    )
    sent: list[GroupNotification] = []
    d = Dispatcher(route(), inhibitor=Inhibitor([rule]), notify=lambda n: sent.append(n) is None)
    fire(d, 0.0, "a", name="Down")
    fire(d, 0.0, "b")
    d.advance(30.0)
    assert summary(sent) == [(30.0, ["a"], [])]
    resolve(d, 40.0, "a", started=0.0, name="Down")
    d.advance(90.0)
    # Groups due at one time flush in the order of their keys.
    assert summary(sent)[1:] == [(90.0, ["b"], []), (90.0, [], ["a"])]


def test_continue_puts_an_alert_in_one_group_per_matching_route() -> None:
    config = RouteConfig(
        receiver="pager",
        group_by=["alertname"],
        routes=[
            RouteConfig(receiver="audit", match={"alertname": "CPUHigh"}, continue_=True),
            RouteConfig(receiver="team", group_by=["..."], group_wait="10s"),
        ],
    )
    sent: list[GroupNotification] = []
    d = Dispatcher(Route.from_config(config), notify=lambda n: sent.append(n) is None)
    d.put(PostedAlert({"alertname": "CPUHigh", "pod": "a"}, {}, 0.0), 0.0)
    d.advance(30.0)
    assert [(n.timestamp, n.receiver, n.group_key) for n in sent] == [
        (10.0, "team", '{}/{}:{alertname="CPUHigh", pod="a"}'),
        (30.0, "audit", '{}/{alertname="CPUHigh"}:{alertname="CPUHigh"}'),
    ]
    expected = hashlib.sha256(sent[0].group_key.encode()).hexdigest()
    assert sent[0].dedup_key == expected


def test_flushes_due_at_the_limit_run_only_when_inclusive() -> None:
    d, _ = dispatcher()
    fire(d, 0.0, "a")
    assert d.next_flush() == 30.0
    assert d.advance(30.0, inclusive=False) == []
    assert len(d.advance(30.0)) == 1
    assert d.next_flush() == 90.0
