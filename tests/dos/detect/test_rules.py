"""Alerting and recording rules: states, timing, templating, written series, failures."""

from __future__ import annotations

import math

import pytest

from dos.detect.alert import AlertState
from dos.detect.rules import AlertingRule, RecordingRule, RuleEngine, RuleGroup
from dos.detect.templates import TemplateError
from dos.errors import ConfigError, QueryError
from dos.promql import Engine
from dos.telemetry import is_stale, labels_of
from dos.tsdb import SeriesStore

CPU_A = labels_of("cpu", pod="a", service="cart")
CPU_B = labels_of("cpu", pod="b", service="cart")

Timeline = list[tuple[float, str, str, str]]


class Loop:
    """A store, an engine and a rule engine, fed one value per series per step."""

    def __init__(self, *rules: AlertingRule | RecordingRule, interval: float = 60.0) -> None:
        self.store = SeriesStore()
        self.engine = Engine(self.store)
        self.rules = RuleEngine([RuleGroup("g", interval, list(rules))], self.engine)

    def step(self, t: float, **values: float) -> Timeline:
        for pod, v in values.items():
            self.store.append_sample(labels_of("cpu", pod=pod, service="cart"), t, v)
        return [
            (c.timestamp, c.labels.get("pod", ""), c.previous.value, c.current.value)
            for c in self.rules.evaluate(t)
        ]

    def run(self, steps: dict[float, dict[str, float]]) -> Timeline:
        timeline: Timeline = []
        for t, values in steps.items():
            timeline.extend(self.step(t, **values))
        return timeline


HIGH = AlertingRule("CPUHigh", "cpu > 80", for_=120.0)


def test_an_alert_fires_exactly_for_after_it_became_active() -> None:
    loop = Loop(HIGH, interval=30.0)
    timeline = loop.run({t: {"a": 90.0 if t >= 60 else 10.0} for t in range(0, 241, 30)})
    assert timeline == [(60.0, "a", "inactive", "pending"), (180.0, "a", "pending", "firing")]
    [alert] = loop.rules.active_alerts()
    assert (alert.active_at, alert.fired_at, alert.state) == (60.0, 180.0, AlertState.FIRING)


def test_an_alert_without_for_fires_at_once() -> None:
    loop = Loop(AlertingRule("CPUHigh", "cpu > 80"))
    assert loop.step(0.0, a=90.0) == [(0.0, "a", "inactive", "firing")]


def test_a_pending_alert_that_clears_goes_back_to_inactive() -> None:
    loop = Loop(HIGH)
    timeline = loop.run({0.0: {"a": 90.0}, 60.0: {"a": 10.0}, 120.0: {"a": 90.0}})
    assert timeline == [
        (0.0, "a", "inactive", "pending"),
        (60.0, "a", "pending", "inactive"),
        (120.0, "a", "inactive", "pending"),
    ]
    assert loop.rules.active_alerts()[0].active_at == 120.0


def test_a_firing_alert_that_clears_resolves() -> None:
    loop = Loop(HIGH)
    timeline = loop.run({t: {"a": 90.0 if t < 200 else 10.0} for t in range(0, 301, 60)})
    assert timeline[-1] == (240.0, "a", "firing", "inactive")
    assert loop.rules.active_alerts() == []


def test_a_resolved_alert_that_comes_back_starts_pending_again() -> None:
    loop = Loop(HIGH)
    values = [90, 90, 90, 10, 90, 90, 90]
    timeline = loop.run({60.0 * i: {"a": float(v)} for i, v in enumerate(values)})
    assert timeline[-3:] == [
        (180.0, "a", "firing", "inactive"),
        (240.0, "a", "inactive", "pending"),
        (360.0, "a", "pending", "firing"),
    ]


def test_keep_firing_for_holds_a_cleared_alert_firing() -> None:
    rule = AlertingRule("CPUHigh", "cpu > 80", keep_firing_for=120.0)
    loop = Loop(rule)
    values = [90, 10, 10, 90, 10, 10, 10]
    timeline = loop.run({60.0 * i: {"a": float(v)} for i, v in enumerate(values)})
    # Cleared at 60 and 120 (held), back at 180 (hold reset), cleared from 240, resolved at 360.
    assert timeline == [(0.0, "a", "inactive", "firing"), (360.0, "a", "firing", "inactive")]


def test_keep_firing_for_holds_again_after_the_alert_came_back() -> None:
    loop = Loop(AlertingRule("CPUHigh", "cpu > 80", keep_firing_for=60.0))
    values = [90, 10, 10, 90, 10, 10]
    timeline = loop.run({60.0 * i: {"a": float(v)} for i, v in enumerate(values)})
    assert timeline == [
        (0.0, "a", "inactive", "firing"),
        (120.0, "a", "firing", "inactive"),
        (180.0, "a", "inactive", "firing"),
        (300.0, "a", "firing", "inactive"),
    ]


def test_each_series_is_its_own_alert_with_its_labels() -> None:
    rule = AlertingRule("CPUHigh", "cpu > 80", labels={"severity": "warning"})
    loop = Loop(rule)
    loop.step(0.0, a=90.0, b=95.0)
    labels = sorted(tuple(sorted(a.labels.items())) for a in loop.rules.active_alerts())
    assert labels == [
        (("alertname", "CPUHigh"), ("pod", "a"), ("service", "cart"), ("severity", "warning")),
        (("alertname", "CPUHigh"), ("pod", "b"), ("service", "cart"), ("severity", "warning")),
    ]
    assert sorted(a.value for a in loop.rules.active_alerts()) == [90.0, 95.0]


def test_labels_and_annotations_are_templated_with_the_current_value() -> None:
    rule = AlertingRule(
        "CPUHigh",
        "cpu > 80",
        labels={"team": "{{ $labels.service }}-team", "service": ""},
        annotations={"summary": "{{ $labels.pod }} at {{ $value | humanize }}%"},
    )
    loop = Loop(rule)
    loop.step(0.0, a=90.0)
    loop.step(60.0, a=91.5)
    [alert] = loop.rules.active_alerts()
    assert alert.labels == {"pod": "a", "team": "cart-team", "alertname": "CPUHigh"}
    assert alert.annotations == {"summary": "a at 91.5%"}
    assert alert.value == 91.5


def test_a_recording_rule_feeds_the_rules_after_it() -> None:
    record = RecordingRule("service:cpu:max", "max by (service) (cpu)", {"kind": "derived"})
    alert = AlertingRule("ServiceHot", "service:cpu:max > 80")
    loop = Loop(record, alert)
    assert loop.step(0.0, a=50.0, b=90.0) == [(0.0, "", "inactive", "firing")]
    recorded = loop.engine.instant("service:cpu:max", 0.0)
    assert [(dict(s.labels), s.value) for s in recorded] == [
        ({"__name__": "service:cpu:max", "kind": "derived", "service": "cart"}, 90.0)
    ]


def test_alerts_are_written_as_prometheus_writes_them() -> None:
    loop = Loop(HIGH)
    loop.run({0.0: {"a": 90.0}, 60.0: {"a": 90.0}, 120.0: {"a": 90.0}})
    alerts = loop.engine.instant("ALERTS", 120.0)
    assert [dict(s.labels) for s in alerts] == [
        {
            "__name__": "ALERTS",
            "alertname": "CPUHigh",
            "alertstate": "firing",
            "pod": "a",
            "service": "cart",
        }
    ]
    assert loop.engine.instant("ALERTS_FOR_STATE", 120.0)[0].value == 0.0
    # The pending series went stale when the alert started firing.
    pending = loop.store.get(
        labels_of("ALERTS", alertname="CPUHigh", alertstate="pending", pod="a", service="cart")
    )
    assert pending is not None
    assert pending.timestamps.tolist() == [0.0, 60.0, 120.0]
    assert is_stale(pending.values[-1])


def test_a_group_runs_once_per_interval_at_its_ticks() -> None:
    loop = Loop(AlertingRule("CPUHigh", "cpu > 80"), interval=60.0)
    loop.store.append_sample(CPU_A, 0.0, 90.0)
    assert len(loop.rules.evaluate(10.0)) == 1  # the tick at 0 had not run
    assert loop.rules.evaluate(50.0) == []
    assert loop.rules.health()[0].last_evaluation == 0.0
    loop.rules.evaluate(61.0)
    assert loop.rules.health()[0].last_evaluation == 60.0


def test_a_failing_rule_is_recorded_and_the_others_still_run() -> None:
    broken = AlertingRule("Broken", '{__name__=~"cpu|mem"} * 2 > 0')
    loop = Loop(broken, HIGH)
    loop.store.append_sample(labels_of("mem", pod="a", service="cart"), 0.0, 1.0)
    assert loop.step(0.0, a=90.0) == [(0.0, "a", "inactive", "pending")]
    health = {h.rule: h.last_error for h in loop.rules.health()}
    assert health["CPUHigh"] is None
    assert "same labelset" in (health["Broken"] or "")


def test_alerts_that_collide_after_labelling_fail_the_rule() -> None:
    rule = AlertingRule("CPUHigh", "cpu > 80", labels={"pod": "all"})
    loop = Loop(rule)
    assert loop.step(0.0, a=90.0, b=90.0) == []
    assert "same labelset after applying alert labels" in (loop.rules.health()[0].last_error or "")


def test_a_group_limit_caps_the_alerts_of_a_rule() -> None:
    store = SeriesStore()
    rules = RuleEngine(
        [RuleGroup("g", 60.0, [AlertingRule("CPUHigh", "cpu > 80")], limit=1)], Engine(store)
    )
    store.append_sample(CPU_A, 0.0, 90.0)
    store.append_sample(CPU_B, 0.0, 90.0)
    assert rules.evaluate(0.0) == []
    assert rules.health()[0].last_error == "exceeded limit of 1 with 2 alerts"


def test_a_bad_expression_is_refused_when_the_engine_is_built() -> None:
    with pytest.raises(QueryError):
        RuleEngine([RuleGroup("g", 60.0, [AlertingRule("A", "sum(")])], Engine(SeriesStore()))


@pytest.mark.parametrize(
    ("name", "for_", "keep_firing_for"), [("A", -1.0, 0.0), ("A", 0.0, math.inf), ("", 0.0, 0.0)]
)
def test_an_alerting_rule_checks_its_fields(
    name: str, for_: float, keep_firing_for: float
) -> None:
    with pytest.raises(ConfigError):
        AlertingRule(name, "up", for_=for_, keep_firing_for=keep_firing_for)


def test_an_unsupported_template_is_refused_when_the_rule_is_made() -> None:
    with pytest.raises(TemplateError):
        AlertingRule("A", "up", annotations={"x": "{{ if $value }}y"})


def test_a_group_needs_a_positive_interval() -> None:
    with pytest.raises(ConfigError):
        RuleGroup("g", 0.0, [])
