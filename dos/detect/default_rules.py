"""The brief's key-metrics table as Prometheus alerting rules (group ``dos-defaults``).

| rule | alert | fires per | expression (W = ``cfg.rate_window``) |
|---|---|---|---|
| cpu_high | CPUHigh | pod | CPU used / CPU limit, in % |
| memory_high | MemoryHigh | pod | working set / memory limit, in % |
| error_rate_high | ErrorRateHigh | service | 5xx requests / all requests, in % |
| latency_p99_high | LatencyP99High | service | p99 request duration, in ms |

Thresholds, ``for``, severities and which rules run come from ``cfg.rules``. Every alert
keeps ``namespace`` and ``service`` (and ``pod`` for per-pod rules) among its labels:
scoring matches alerts to faults by them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dos.config import DOSConfig, RuleConfig
from dos.detect.rules import AlertingRule, RuleGroup
from dos.durations import format_duration, parse_duration

__all__ = ["GROUP_NAME", "default_rules"]

GROUP_NAME = "dos-defaults"

_POD = "namespace, service, pod"
_SERVICE = "namespace, service"


@dataclass(frozen=True)
class _Spec:
    alert: str
    summary: str
    expr: Callable[[str, str], str]  # (rate window, threshold) -> PromQL
    # The value's meaning after the alert's subject, with "{value}" where it goes.
    reading: str
    unit: str
    per_pod: bool


def default_rules(cfg: DOSConfig) -> RuleGroup:
    """Build the default rule group from ``cfg`` (disabled rules are left out)."""
    window = format_duration(parse_duration(cfg.rate_window, "dos.rate_window"))
    rules = []
    for key, spec in _SPECS.items():
        rule_cfg = cfg.rules.get(key)
        if rule_cfg is None or not rule_cfg.enabled:
            continue
        rule_cfg.validate(f"dos.rules.{key}")
        rules.append(_rule(key, rule_cfg, spec, window))
    interval = parse_duration(cfg.eval_interval, "dos.eval_interval")
    return RuleGroup(GROUP_NAME, interval, rules)


def _rule(key: str, cfg: RuleConfig, spec: _Spec, window: str) -> AlertingRule:
    threshold = _number(cfg.threshold)
    subject = "Service {{ $labels.service }}"
    if spec.per_pod:
        subject = "Pod {{ $labels.pod }} of service {{ $labels.service }}"
    value = "{{ $value | humanize }}"
    held = f" for {cfg.for_}" if parse_duration(cfg.for_) > 0 else ""
    return AlertingRule(
        spec.alert,
        spec.expr(window, threshold),
        for_=parse_duration(cfg.for_, f"dos.rules.{key}.for"),
        labels={"severity": cfg.severity, "rule": key},
        annotations={
            "summary": f"{spec.summary}: {subject.lower()[0]}{subject[1:]} at {value}{spec.unit}",
            "description": (
                f"{subject} in namespace {{{{ $labels.namespace }}}} "
                f"{spec.reading.format(value=value)} (threshold {threshold}{spec.unit}{held})."
            ),
        },
    )


def _cpu(window: str, threshold: str) -> str:
    return (
        f"100 * sum by ({_POD}) "
        f'(rate(container_cpu_usage_seconds_total{{container!=""}}[{window}])) '
        f'/ sum by ({_POD}) (kube_pod_container_resource_limits{{resource="cpu"}}) '
        f"> {threshold}"
    )


def _memory(window: str, threshold: str) -> str:
    return (
        f'100 * sum by ({_POD}) (container_memory_working_set_bytes{{container!=""}}) '
        f'/ sum by ({_POD}) (kube_pod_container_resource_limits{{resource="memory"}}) '
        f"> {threshold}"
    )


def _errors(window: str, threshold: str) -> str:
    return (
        f'100 * sum by ({_SERVICE}) (rate(http_requests_total{{code=~"5.."}}[{window}])) '
        f"/ sum by ({_SERVICE}) (rate(http_requests_total[{window}])) "
        f"> {threshold}"
    )


def _latency(window: str, threshold: str) -> str:
    return (
        f"1000 * histogram_quantile(0.99, sum by ({_SERVICE}, le) "
        f"(rate(http_request_duration_seconds_bucket[{window}]))) "
        f"> {threshold}"
    )


_SPECS = {
    "cpu_high": _Spec(
        "CPUHigh", "High CPU", _cpu, "uses {value}% of its CPU limit", "%", per_pod=True
    ),
    "memory_high": _Spec(
        "MemoryHigh", "High memory", _memory, "uses {value}% of its memory limit", "%", True
    ),
    "error_rate_high": _Spec(
        "ErrorRateHigh",
        "High error rate",
        _errors,
        "answers {value}% of requests with a 5xx error",
        "%",
        per_pod=False,
    ),
    "latency_p99_high": _Spec(
        "LatencyP99High",
        "High p99 latency",
        _latency,
        "has a p99 latency of {value} ms",
        " ms",
        per_pod=False,
    ),
}


def _number(value: float) -> str:
    """Write a threshold for PromQL: ``85`` rather than ``85.0``, exact otherwise."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
