from __future__ import annotations

import logging

import pytest

from dos.notify import (
    DeliveryStatus,
    MemoryNotifier,
    Notification,
    NotificationKind,
    deliver,
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
