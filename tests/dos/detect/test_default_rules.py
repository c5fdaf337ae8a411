"""The default rules on telemetry shaped like the contract: who fires, when, with what labels."""

from __future__ import annotations

import numpy as np
import pytest

from dos.config import DOSConfig, RuleConfig
from dos.detect.default_rules import GROUP_NAME, default_rules
from dos.detect.rules import AlertingRule, RuleEngine
from dos.errors import ConfigError
from dos.promql import Engine
from dos.telemetry import Labels, MetricScrape, labels_of
from dos.tsdb import SeriesStore

NS = "shop"
# pod -> (service, CPU cores used of 1, memory share of its limit, 5xx share, slow share)
PODS = {
    "cart-1": ("cart", 0.95, 0.95, 0.02, 0.0),
    "cart-2": ("cart", 0.50, 0.50, 0.02, 0.0),
    "front-1": ("frontend", 0.20, 0.30, 0.0, 0.05),
}
BOUNDS = ("0.1", "0.5", "1", "+Inf")


def scrape(t: float) -> MetricScrape:
    """The cluster at ``t``: counters grow at the rates PODS gives."""
    series: list[Labels] = []
    values: list[float] = []

    def add(name: str, v: float, **labels: str) -> None:
        series.append(labels_of(name, labels))
        values.append(v)

    for pod, (svc, cores, memory, errors, slow) in PODS.items():
        at = {"namespace": NS, "service": svc, "pod": pod}
        add("container_cpu_usage_seconds_total", cores * t, container=svc, **at)
        # cAdvisor's pod-level series (no container) must not be counted twice.
        add("container_cpu_usage_seconds_total", cores * t, **at)
        add("kube_pod_container_resource_limits", 1.0, resource="cpu", container=svc, **at)
        add("kube_pod_container_resource_limits", 1e9, resource="memory", container=svc, **at)
        add("container_memory_working_set_bytes", memory * 1e9, container=svc, **at)
        add("http_requests_total", 100 * (1 - errors) * t, code="200", **at)
        add("http_requests_total", 100 * errors * t, code="500", **at)
        for le, share in zip(BOUNDS, (1 - slow, 1 - slow, 1.0, 1.0), strict=True):
            add("http_request_duration_seconds_bucket", 100 * share * t, le=le, **at)
    return MetricScrape(t, series, np.array(values))


def firing_times(cfg: DOSConfig, until: float = 900.0) -> dict[tuple[str, str], float]:
    """Run the default rules every 15 s; return when each (alert, pod or service) fired."""
    store = SeriesStore()
    rules = RuleEngine([default_rules(cfg)], Engine(store))
    fired: dict[tuple[str, str], float] = {}
    for t in np.arange(0.0, until + 1, 15.0):
        store.append(scrape(float(t)))
        for change in rules.evaluate(float(t)):
            if change.current.value == "firing":
                target = change.labels.get("pod", change.labels["service"])
                fired.setdefault((change.name, target), change.timestamp)
    return fired


def test_each_default_rule_fires_for_its_target_after_its_for() -> None:
    fired = firing_times(DOSConfig())
    # Rates exist from the second scrape (15 s), but a counter starting at 0 is not
    # extrapolated, so CPU reads 23.75 %, 47.5 %, 71.25 % and then 95 % at 60 s. Ratios
    # of two rates (errors, latency) are right from 15 s; memory is a gauge, seen at 0 s.
    assert fired == {
        ("LatencyP99High", "frontend"): 15.0,
        ("ErrorRateHigh", "cart"): 15.0 + 120.0,
        ("CPUHigh", "cart-1"): 60.0 + 300.0,
        ("MemoryHigh", "cart-1"): 600.0,
    }


def test_alerts_carry_the_labels_scoring_matches_on() -> None:
    store = SeriesStore()
    rules = RuleEngine([default_rules(DOSConfig())], Engine(store))
    for t in np.arange(0.0, 601, 15.0):
        store.append(scrape(float(t)))
        rules.evaluate(float(t))
    by_name = {a.name: a for a in rules.active_alerts()}
    assert by_name["CPUHigh"].labels == {
        "alertname": "CPUHigh",
        "namespace": NS,
        "service": "cart",
        "pod": "cart-1",
        "severity": "warning",
        "rule": "cpu_high",
    }
    assert by_name["ErrorRateHigh"].labels["severity"] == "critical"
    assert set(by_name["LatencyP99High"].labels) == {
        "alertname", "namespace", "service", "severity", "rule",
    }  # fmt: skip
    assert by_name["CPUHigh"].value == pytest.approx(95.0)
    assert by_name["LatencyP99High"].value == pytest.approx(1000 * (0.5 + 0.5 * 0.8))
    summary = by_name["CPUHigh"].annotations["summary"]
    assert summary == "High CPU: pod cart-1 of service cart at 95%"
    assert "threshold 85% for 5m" in by_name["CPUHigh"].annotations["description"]


def test_thresholds_and_for_come_from_the_config() -> None:
    cfg = DOSConfig()
    cfg.rules["cpu_high"] = RuleConfig(threshold=40.0, for_="1m", severity="critical")
    fired = firing_times(cfg, until=120.0)
    # Over 40 % from 30 s (47.5 %) for cart-1, from 60 s (50 %) for cart-2; then 1 min.
    assert fired[("CPUHigh", "cart-1")] == 90.0
    assert fired[("CPUHigh", "cart-2")] == 120.0


def test_disabled_rules_are_left_out() -> None:
    cfg = DOSConfig()
    cfg.rules["latency_p99_high"].enabled = False
    del cfg.rules["memory_high"]
    group = default_rules(cfg)
    assert group.name == GROUP_NAME
    assert [r.name for r in group.rules if isinstance(r, AlertingRule)] == [
        "CPUHigh",
        "ErrorRateHigh",
    ]
    assert len(group.rules) == 2


def test_the_group_runs_at_the_evaluation_interval_with_the_rate_window() -> None:
    cfg = DOSConfig(eval_interval="30s", rate_window="2m")
    group = default_rules(cfg)
    assert group.interval == 30.0
    assert "[2m]" in group.rules[0].expr


def test_a_bad_rule_setting_is_named() -> None:
    cfg = DOSConfig()
    cfg.rules["cpu_high"].severity = "urgent"
    with pytest.raises(ConfigError, match=r"dos\.rules\.cpu_high\.severity"):
        default_rules(cfg)
