from __future__ import annotations

from dos.alerting.alert import PostedAlert
from dos.alerting.inhibit import Inhibitor, InhibitRule
from dos.config import InhibitRuleConfig

CRITICAL_MUTES_WARNING = InhibitRuleConfig(
    source_matchers=['severity="critical"'],
    target_matchers=['severity="warning"'],
    equal=["service"],
)


def alert(severity: str, service: str = "frontend", **more: str) -> PostedAlert:
    labels = {"alertname": "CPUHigh", "severity": severity, "service": service, **more}
    return PostedAlert(labels, {}, 0.0)


def test_a_firing_source_mutes_a_target_with_the_same_equal_labels() -> None:
    rule = InhibitRule.from_config(CRITICAL_MUTES_WARNING)
    source = alert("critical")
    assert rule.inhibitor(alert("warning").labels, [source]) is source
    assert rule.inhibitor(alert("warning", "cart").labels, [source]) is None
    assert rule.inhibitor(alert("info").labels, [source]) is None


def test_an_equal_label_missing_on_both_sides_counts_as_equal() -> None:
    rule = InhibitRule.from_config(
        InhibitRuleConfig(source_match={"severity": "critical"}, equal=["cluster"])
    )
    source = alert("critical")
    assert rule.inhibitor(alert("warning").labels, [source]) is source
    assert rule.inhibitor(alert("warning", cluster="eu").labels, [source]) is None


def test_alerts_matching_both_sides_do_not_mute_each_other() -> None:
    rule = InhibitRule.from_config(
        InhibitRuleConfig(
            source_match={"alertname": "CPUHigh"}, target_match={"alertname": "CPUHigh"}
        )
    )
    a, b = alert("warning", pod="a"), alert("warning", pod="b")
    assert rule.inhibitor(a.labels, [a, b]) is None
    other = PostedAlert({"alertname": "CPUHigh", "team": "x"}, {}, 0.0)
    only_target = InhibitRule.from_config(
        InhibitRuleConfig(source_match={"team": "x"}, target_match={"alertname": "CPUHigh"})
    )
    assert only_target.inhibitor(a.labels, [other]) is other


def test_the_inhibitor_tries_its_rules_in_order_over_the_sources_it_was_shown() -> None:
    first = InhibitRule.from_config(CRITICAL_MUTES_WARNING)
    second = InhibitRule.from_config(InhibitRuleConfig(source_match={"alertname": "Down"}))
    down = PostedAlert({"alertname": "Down", "service": "frontend"}, {}, 0.0)
    both, only_first = Inhibitor([first, second]), Inhibitor([first])
    for inhibitor in (both, only_first):
        inhibitor.observe(down)
    assert both.inhibitor(alert("warning").labels) is down
    assert only_first.inhibitor(alert("warning").labels) is None
    assert Inhibitor().inhibitor(alert("warning").labels) is None


def test_a_source_that_resolves_is_forgotten() -> None:
    inhibitor = Inhibitor([InhibitRule.from_config(CRITICAL_MUTES_WARNING)])
    source = alert("critical")
    inhibitor.observe(source)
    assert inhibitor.inhibitor(alert("warning").labels) is source
    inhibitor.observe(PostedAlert(source.labels, {}, 0.0, 60.0, 60.0))
    assert inhibitor.inhibitor(alert("warning").labels) is None
