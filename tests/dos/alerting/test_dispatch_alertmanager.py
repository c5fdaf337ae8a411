"""Aggregation groups and their timers against a real Alertmanager 0.25 on 127.0.0.1.

One scenario is played to both, in real time for Alertmanager (with second-long timers)
and on the simulated clock for :class:`dos.alerting.dispatch.Dispatcher`: alerts join a
group during its wait and after its first flush, one is silenced, one is inhibited and
released when its source resolves, alerts resolve one by one, then all. The webhook
notifications Alertmanager sends must be the dispatcher's: the same flush times (within
the jitter of a real clock), group keys, and firing and resolved alerts.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dos.alerting import Dispatcher, GroupNotification, Inhibitor, InhibitRule, PostedAlert, Route
from dos.config import InhibitRuleConfig, RouteConfig

pytestmark = pytest.mark.slow

GROUP_WAIT, GROUP_INTERVAL = 1.0, 2.0
INHIBIT = InhibitRuleConfig(source_match={"alertname": "Down"}, target_match={"alertname": "Slow"})


@dataclass(frozen=True)
class Step:
    """At ``at`` seconds, post alert ``name``/``pod`` as firing, or resolved (``end``)."""

    at: float
    name: str
    pod: str
    start: float
    end: float | None = None


# Every step sits well inside a group interval, away from the flushes at 1, 3, 5, ... s after
# a group forms, so that a real clock's jitter cannot reorder them.
SCENARIO = [
    Step(0.0, "CPUHigh", "a", 0.0),
    Step(0.0, "Down", "x", 0.0),
    Step(0.0, "Slow", "x", 0.0),  # inhibited by Down
    Step(0.0, "CPUHigh", "s", 0.0),  # silenced throughout
    Step(0.4, "CPUHigh", "b", 0.4),  # joins during the group wait
    Step(1.5, "CPUHigh", "c", 1.5),  # joins after the first flush
    Step(3.5, "CPUHigh", "a", 0.0, 3.5),  # one resolves
    Step(3.5, "Down", "x", 0.0, 3.5),  # the inhibition ends
    Step(5.5, "CPUHigh", "b", 0.4, 5.5),
    Step(5.5, "CPUHigh", "c", 1.5, 5.5),
    Step(5.5, "CPUHigh", "s", 0.0, 5.5),
    Step(5.5, "Slow", "x", 0.0, 5.5),
]
END = 7.6  # just after the last flush


def labels(step: Step) -> dict[str, str]:
    return {"alertname": step.name, "pod": step.pod}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Hook(BaseHTTPRequestHandler):
    """Keep every webhook body with the time it arrived."""

    received: list[tuple[float, dict[str, object]]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((time.monotonic(), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[tuple[float, dict[str, object]]]]]:
    received: list[tuple[float, dict[str, object]]] = []
    handler = type("BoundHook", (Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def alertmanager(tmp_path: Path, webhook: tuple[str, list[object]]) -> Iterator[str]:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    assert binary is not None, "Alertmanager (Debian package prometheus-alertmanager) is missing"
    config = {
        "route": {
            "receiver": "hook",
            "group_by": ["alertname"],
            "group_wait": f"{GROUP_WAIT:g}s",
            "group_interval": f"{GROUP_INTERVAL:g}s",
            "repeat_interval": "1h",
        },
        "receivers": [
            {"name": "hook", "webhook_configs": [{"url": webhook[0], "send_resolved": True}]}
        ],
        "inhibit_rules": [
            {"source_match": INHIBIT.source_match, "target_match": INHIBIT.target_match}
        ],
    }
    (tmp_path / "am.yml").write_text(json.dumps(config))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("Alertmanager did not become ready in 10 s")


def post(url: str, path: str, payload: object) -> None:
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def iso(origin: datetime, seconds: float) -> str:
    return (origin + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def play_to_alertmanager(url: str) -> float:
    """Play the scenario in real time; return the monotonic time of its start."""
    origin = datetime.now(UTC)
    started = time.monotonic()
    silence = {
        "matchers": [{"name": "pod", "value": "s", "isRegex": False, "isEqual": True}],
        "startsAt": iso(origin, -60.0),
        "endsAt": iso(origin, 3600.0),
        "createdBy": "test",
        "comment": "silenced throughout",
    }
    post(url, "/api/v2/silences", silence)
    for step in SCENARIO:
        time.sleep(max(0.0, started + step.at - time.monotonic()))
        alert = {"labels": labels(step), "startsAt": iso(origin, step.start)}
        if step.end is not None:
            alert["endsAt"] = iso(origin, step.end)
        post(url, "/api/v2/alerts", [alert])
    time.sleep(max(0.0, started + END - time.monotonic()))
    return started


def play_to_dispatcher() -> list[GroupNotification]:
    config = RouteConfig(
        receiver="hook",
        group_by=["alertname"],
        group_wait=f"{GROUP_WAIT:g}s",
        group_interval=f"{GROUP_INTERVAL:g}s",
        repeat_interval="1h",
    )
    rule = InhibitRule.from_config(INHIBIT)
    sent: list[GroupNotification] = []
    dispatcher = Dispatcher(
        Route.from_config(config),
        inhibitor=Inhibitor([rule]),
        notify=lambda note: sent.append(note) is None,
    )
    dispatcher.silences.add('pod="s"', -60.0, 3600.0, created_by="test", comment="throughout")
    for step in SCENARIO:
        dispatcher.advance(step.at, inclusive=False)
        alert = PostedAlert(labels(step), {}, step.start, step.end, step.at)
        dispatcher.put(alert, step.at)
    dispatcher.advance(END)
    return sent


def pod_names(alerts: tuple[PostedAlert, ...]) -> list[str]:
    return [a.labels["pod"] for a in alerts]


def pods(alerts: object, status: str) -> list[str]:
    assert isinstance(alerts, list)
    return [a["labels"]["pod"] for a in alerts if a["status"] == status]


def test_groups_flush_and_notify_as_alertmanager_does(
    alertmanager: str, webhook: tuple[str, list[tuple[float, dict[str, object]]]]
) -> None:
    started = play_to_alertmanager(alertmanager)
    theirs = [
        (
            t - started,
            body["groupKey"],
            pods(body["alerts"], "firing"),
            pods(body["alerts"], "resolved"),
        )
        for t, body in webhook[1]
    ]
    ours = [
        (n.timestamp, n.group_key, pod_names(n.firing), pod_names(n.resolved))
        for n in play_to_dispatcher()
    ]
    assert len(ours) == 8
    # Groups flushing at one instant notify in no fixed order: compare flush by flush.
    theirs.sort(key=lambda row: (round(row[0]), row[1]))
    assert [row[1:] for row in theirs] == [row[1:] for row in ours]
    for (their_time, *_), (our_time, *_) in zip(theirs, ours, strict=True):
        assert our_time <= their_time < our_time + 0.35
