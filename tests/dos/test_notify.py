from __future__ import annotations

import logging

import pytest

from dos.alerting import GroupNotification, PostedAlert
from dos.notify import (
    DeliveryStatus,
    MemoryNotifier,
    Notification,
    NotificationKind,
    deliver,
    group_page,
)


def page(incident_id: str = "INC-0001") -> Notification:
    return Notification(
        timestamp=300.0,
        kind=NotificationKind.PAGE,
        incident_id=incident_id,
        service="frontend",
        severity="warning",
        summary="CPU saturation on frontend",
    )


class BrokenNotifier:
    def send(self, notification: Notification) -> None:
        raise ConnectionError("pager unreachable")


def test_memory_notifier_keeps_and_logs_what_it_sends(caplog: pytest.LogCaptureFixture) -> None:
    notifier = MemoryNotifier()
    with caplog.at_level(logging.INFO, logger="dos.notify"):
        record = deliver(notifier, page())
    assert notifier.sent == [page()]
    assert record.status is DeliveryStatus.SENT
    assert record.timestamp == 300.0
    assert "INC-0001" in caplog.text
    assert caplog.records[0].incident_id == "INC-0001"


def test_a_failing_notifier_is_recorded_and_does_not_raise() -> None:
    record = deliver(BrokenNotifier(), page("INC-0007"))
    assert record.status is DeliveryStatus.FAILED
    assert "pager unreachable" in record.error
    assert record.to_dict()["status"] == "failed"
    assert record.to_dict()["incident_id"] == "INC-0007"


def test_a_page_record_carries_its_group_key_and_alerts_with_alertmanagers_names() -> None:
    firing = PostedAlert({"alertname": "CPUHigh", "pod": "f-1"}, {"summary": "hot"}, 300.0)
    resolved = PostedAlert({"alertname": "CPUHigh", "pod": "f-2"}, {}, 240.0, 330.0, 330.0)
    note = Notification(
        timestamp=360.0,
        kind=NotificationKind.PAGE,
        incident_id="INC-0001",
        service="frontend",
        severity="warning",
        summary="[FIRING:1] CPUHigh",
        dedup_key="abc",
        receiver="pager",
        group_key='{}:{alertname="CPUHigh"}',
        alerts=(firing, resolved),
    )
    data = deliver(MemoryNotifier(), note).to_dict()
    assert (data["dedup_key"], data["receiver"]) == ("abc", "pager")
    assert data["group_key"] == '{}:{alertname="CPUHigh"}'
    assert data["alerts"] == [
        {
            "labels": {"alertname": "CPUHigh", "pod": "f-1"},
            "annotations": {"summary": "hot"},
            "startsAt": 300.0,
            "endsAt": None,
            "status": "firing",
        },
        {
            "labels": {"alertname": "CPUHigh", "pod": "f-2"},
            "annotations": {},
            "startsAt": 240.0,
            "endsAt": 330.0,
            "status": "resolved",
        },
    ]


def test_a_group_page_reads_as_alertmanagers_title_with_the_highest_severity() -> None:
    alerts = (
        PostedAlert({"alertname": "Down", "job": "cart", "severity": "warning"}, {}, 0.0),
        PostedAlert({"alertname": "Down", "job": "cart", "severity": "critical"}, {}, 0.0),
        PostedAlert({"alertname": "Down", "job": "cart"}, {}, 0.0, 20.0, 20.0),
    )
    group = GroupNotification(
        30.0, "pager", '{}:{alertname="Down"}', {"alertname": "Down"}, alerts
    )
    page = group_page(group)
    assert (page.kind, page.summary, page.severity) == (
        NotificationKind.PAGE,
        "[FIRING:2] Down",
        "critical",
    )
    assert (page.service, page.incident_id, page.details) == ("cart", "", "")
    assert page.dedup_key == group.dedup_key
    closing = group_page(GroupNotification(90.0, "pager", group.group_key, {}, alerts[2:]))
    assert (closing.kind, closing.summary) == (NotificationKind.RESOLVED, "[RESOLVED]")
