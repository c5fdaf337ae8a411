"""The multivariate, log and trace detectors and the pending/firing tracker."""

from __future__ import annotations

import numpy as np

from dos.detect.alert import AlertState
from dos.detect.detectors import (
    AlertTracker,
    Condition,
    IsolationForestDetector,
    LogTemplateDetector,
    TraceEdgeDetector,
)
from dos.telemetry import LogRecord, Span


def test_isolation_forest_isolates_a_vector_unlike_the_window() -> None:
    rng = np.random.default_rng(0)
    normal = rng.normal([40, 60, 0.0, 0.1, 100], [2, 1, 0.001, 0.01, 5], size=(300, 5))
    detector = IsolationForestDetector(window=240, min_samples=100, refit_every=50, trees=40)
    scores = detector.update_many(np.arange(300.0), normal)
    odd = detector.update(300.0, [95, 60, 0.2, 0.9, 100])
    assert odd > np.max(scores[150:])
    assert odd > 0.6


def test_isolation_forest_state_restores_the_same_forest() -> None:
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 3))
    first = IsolationForestDetector(window=150, min_samples=60, refit_every=30, trees=40)
    first.update_many(np.arange(200.0), data)
    second = IsolationForestDetector.from_state(first.state())
    probe = rng.normal(size=(20, 3))
    times = np.arange(200.0, 220.0)
    assert first.update_many(times, probe).tolist() == second.update_many(times, probe).tolist()


def log(t: float, service: str, message: str, count: int = 1) -> LogRecord:
    return LogRecord(t, service, f"{service}-0", "error", message, count=count)


def test_log_detector_flags_a_new_error_template_and_a_surge() -> None:
    detector = LogTemplateDetector(learn_for=300.0, surge=5.0, min_count=5)
    for minute in range(10):
        t = 60.0 * minute
        detector.observe([log(t, "cart", f"timeout after {100 + minute} ms calling redis")])
        assert detector.evaluate(t + 30) == []
    detector.observe([log(700.0, "cart", "connection refused by payment at 10.0.0.7")])
    detector.observe([log(700.0, "cart", "timeout after 950 ms calling redis", count=40)])
    found = {a.kind: a for a in detector.evaluate(720.0)}
    assert set(found) == {"new", "surge"}
    assert "connection refused" in found["new"].template
    assert found["surge"].count == 40


def spans(t: float, latency: float, errors: int = 0, calls: int = 10) -> list[Span]:
    out = []
    for i in range(calls):
        root = Span(f"tr{t}{i}", f"a{t}{i}", None, "frontend", "GET /", t, 2 * latency, "OK")
        status = "ERROR" if i < errors else "OK"
        child = Span(f"tr{t}{i}", f"b{t}{i}", root.span_id, "cart", "GetCart", t, latency, status)
        out += [root, child]
    return out


def test_trace_detector_flags_latency_and_error_shifts_on_an_edge() -> None:
    detector = TraceEdgeDetector(warmup=10)
    rng = np.random.default_rng(2)
    for k in range(30):
        detector.observe(spans(15.0 * k, 0.02 + rng.normal(0, 0.001)))
        assert detector.evaluate(15.0 * k + 15) == []
    detector.observe(spans(500.0, 0.2, errors=5))
    found = {a.kind: a for a in detector.evaluate(515.0)}
    assert set(found) == {"latency", "errors"}
    assert (found["latency"].caller, found["latency"].callee) == ("frontend", "cart")
    assert found["errors"].value == 0.5


def test_tracker_goes_pending_then_firing_after_for_then_resolves() -> None:
    tracker = AlertTracker(for_=30.0)
    condition = Condition({"alertname": "X", "service": "cart"}, 1.0, {})
    states = []
    for now, holds in [(0, True), (15, True), (30, True), (45, False), (60, True), (75, False)]:
        changes = tracker.step(float(now), {("cart",): condition} if holds else {})
        states.append([(c.previous.value, c.current.value) for c in changes])
    assert states == [
        [("inactive", "pending")],
        [],
        [("pending", "firing")],
        [("firing", "inactive")],
        [("inactive", "pending")],
        [("pending", "inactive")],
    ]


def test_tracker_with_no_for_fires_at_once() -> None:
    tracker = AlertTracker(for_=0.0)
    condition = Condition({"alertname": "X"}, 1.0, {})
    (change,) = tracker.step(0.0, {("x",): condition})
    assert (change.previous, change.current) == (AlertState.INACTIVE, AlertState.FIRING)
