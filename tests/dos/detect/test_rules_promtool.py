"""The rule engine against the real promtool, alert for alert.

Each case is a rule file, input series in promtool's notation and hand-written expected
alerts at a few evaluation times. ``promtool test rules`` must accept the hand-written
expectations (so they are right), the engine must produce the same, and promtool must
also accept, at every evaluation, the firing alerts and the ``ALERTS``/``ALERTS_FOR_STATE``
series the engine produced.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dos.config import DOSConfig
from dos.detect.default_rules import default_rules
from dos.detect.promtool_series import load_series
from dos.detect.rulefile import load_rule_file, parse_rule_duration
from dos.detect.rules import AlertingRule, RuleEngine, RuleGroup
from dos.durations import format_duration
from dos.promql import Engine
from dos.tsdb import SeriesStore

pytestmark = pytest.mark.promtool

Alerts = list[dict[str, dict[str, str]]]


@dataclass(frozen=True)
class Case:
    name: str
    rules: str
    series: dict[str, str]
    # eval time -> alertname -> firing alerts ({"labels": ..., "annotations": ...})
    expected: dict[str, dict[str, Alerts]]
    until: str
    interval: str = "1m"


def alert(annotations: dict[str, str] | None = None, **labels: str) -> dict[str, dict[str, str]]:
    return {"labels": labels, "annotations": annotations or {}}


CPU = Case(
    "cpu ratio with for",
    """
groups:
  - name: cpu
    rules:
      - alert: CPUHigh
        expr: >
          100 * sum by (namespace, pod) (rate(usage{container!=""}[1m]))
          / sum by (namespace, pod) (limit{resource="cpu"}) > 85
        for: 3m
        labels: {severity: warning}
""",
    {
        'usage{namespace="n",pod="a",container="c"}': "0+13.5x80",
        'usage{namespace="n",pod="a",container=""}': "0+13.5x80",
        'usage{namespace="n",pod="b",container="c"}': "0+7.5x40 300+15x40",
        'limit{namespace="n",pod="a",resource="cpu"}': "1x80",
        'limit{namespace="n",pod="b",resource="cpu"}': "1x80",
        'limit{namespace="n",pod="b",resource="memory"}': "9x80",
    },
    {
        # a: 22.5 %, 45 %, 67.5 %, then 90 % from 1m, so active at 1m and firing at 4m.
        "3m45s": {"CPUHigh": []},
        "4m": {
            "CPUHigh": [alert(alertname="CPUHigh", namespace="n", pod="a", severity="warning")]
        },
        # b doubles its pace after 10m: its 1m rate passes 85 % at 11m15s, so firing at 14m15s.
        "14m": {
            "CPUHigh": [alert(alertname="CPUHigh", namespace="n", pod="a", severity="warning")]
        },
        "14m15s": {
            "CPUHigh": [
                alert(alertname="CPUHigh", namespace="n", pod="a", severity="warning"),
                alert(alertname="CPUHigh", namespace="n", pod="b", severity="warning"),
            ]
        },
    },
    until="20m",
    interval="15s",
)

BUSY = alert(alertname="Busy", job="a")
GAP = alert(alertname="Up", job="gap")
STALE = alert(alertname="Up", job="stale")
RESET_GAP_STALE = Case(
    "counter reset, gap longer than the lookback, stale marker",
    """
groups:
  - name: g
    rules:
      - alert: Busy
        expr: rate(req[2m]) > 0.9
      - alert: Up
        expr: up == 1
        for: 2m
""",
    {
        'req{job="a"}': "0+60x10 0+60x10",
        'up{job="gap"}': "1x5 _x7 1x8",
        'up{job="stale"}': "1x3 stale 1x10",
    },
    {
        # The gap's last sample (5m) is seen until 10m; the stale marker at 4m ends at once.
        "4m": {"Up": [GAP]},
        "6m": {"Up": [GAP]},
        "7m": {"Up": [GAP, STALE]},
        "10m": {"Busy": [BUSY], "Up": [GAP, STALE]},
        # The reset (600 -> 0 at 11m) counts as an increase of 0: the rate halves.
        "11m": {"Busy": [], "Up": [STALE]},
        "12m": {"Busy": []},
        "13m": {"Busy": [BUSY]},
        "14m": {"Up": [STALE]},
        "15m": {"Up": [GAP, STALE]},
    },
    until="20m",
)

LATENCY_JOIN = Case(
    "histogram_quantile and a group_left join",
    """
groups:
  - name: g
    rules:
      - alert: SlowP99
        expr: histogram_quantile(0.99, sum by (service, le) (rate(lat_bucket[2m]))) > 0.5
        for: 1m
      - alert: OverLimit
        expr: >
          sum by (ns, pod) (rate(usage[2m]))
          / on (ns, pod) group_left (team) limit > 0.8
""",
    {
        # s: all requests under 0.1 s until 5m, then 10 % between 0.5 s and 1 s.
        'lat_bucket{service="s",pod="1",le="0.1"}': "0+100x5 500+90x10",
        'lat_bucket{service="s",pod="1",le="0.5"}': "0+100x5 500+90x10",
        'lat_bucket{service="s",pod="1",le="1"}': "0+100x15",
        'lat_bucket{service="s",pod="1",le="+Inf"}': "0+100x15",
        'usage{ns="n",pod="a",container="x"}': "0+30x15",
        'usage{ns="n",pod="a",container="y"}': "0+30x15",
        'usage{ns="n",pod="b",container="x"}': "0+30x15",
        'limit{ns="n",pod="a",team="blue"}': "1x15",
        'limit{ns="n",pod="b",team="red"}': "1x15",
    },
    {
        "5m": {
            "SlowP99": [],
            "OverLimit": [alert(alertname="OverLimit", ns="n", pod="a", team="blue")],
        },
        "7m": {"SlowP99": [alert(alertname="SlowP99", service="s")]},
    },
    until="15m",
)


def notes(human: str, fixed: str, plain: str) -> dict[str, str]:
    return {"summary": f"api has {human} errors", "detail": f"{fixed} from recorded ({plain})"}


API = {"alertname": "Errors", "job": "api", "severity": "API", "source": "recorded"}
TEMPLATES = Case(
    "templates, recording rules and keep_firing_for",
    """
groups:
  - name: g
    rules:
      - record: job:errors:max
        expr: max by (job) (errors)
        labels: {source: recorded}
      - alert: Errors
        expr: job:errors:max > 10
        keep_firing_for: 2m
        labels:
          severity: '{{ $labels.job | toUpper }}'
        annotations:
          summary: '{{ $labels.job }} has {{ $value | humanize }} errors'
          detail: >-
            {{ printf "%.1f" $value }} from {{ $labels.source }}{{ $labels.nope }}
            ({{ $value }})
""",
    {
        'errors{job="api",pod="1"}': "5 20 2345678 1 1 30 1 1 1 1",
        'errors{job="api",pod="2"}': "0x9",
    },
    {
        "1m": {"Errors": [alert(notes("20", "20.0", "20"), **API)]},
        "2m": {"Errors": [alert(notes("2.346M", "2345678.0", "2.345678e+06"), **API)]},
        # Cleared at 3m and 4m but held for 2m; back at 5m; cleared from 6m, gone at 8m.
        "4m": {"Errors": [alert(notes("2.346M", "2345678.0", "2.345678e+06"), **API)]},
        "7m": {"Errors": [alert(notes("30", "30.0", "30"), **API)]},
        "8m": {"Errors": []},
    },
    until="10m",
)


def default_rules_case() -> Case:
    """The shipped default rules on contract-shaped series."""
    group = default_rules(DOSConfig())
    rules = [
        {
            "alert": r.name,
            "expr": r.expr,
            "for": format_duration(r.for_),
            "labels": dict(r.labels),
            "annotations": dict(r.annotations),
        }
        for r in group.rules
        if isinstance(r, AlertingRule)
    ]
    text = yaml.safe_dump({"groups": [{"name": group.name, "rules": rules}]}, sort_keys=False)
    at = 'namespace="shop",service="cart",pod="cart-1"'
    slow = 'namespace="shop",service="front",pod="front-1"'
    series = {
        f'container_cpu_usage_seconds_total{{{at},container="cart"}}': "0+14.25x60",
        f'kube_pod_container_resource_limits{{{at},container="cart",resource="cpu"}}': "1x60",
        f'kube_pod_container_resource_limits{{{at},container="cart",resource="memory"}}': "1e9x60",
        f'container_memory_working_set_bytes{{{at},container="cart"}}': "5e8+1e7x60",
        f'http_requests_total{{{at},code="200"}}': "0+1470x60",
        f'http_requests_total{{{at},code="503"}}': "0+30x60",
        f'http_request_duration_seconds_bucket{{{slow},le="0.5"}}': "0+90x60",
        f'http_request_duration_seconds_bucket{{{slow},le="1"}}': "0+100x60",
        f'http_request_duration_seconds_bucket{{{slow},le="+Inf"}}': "0+100x60",
    }
    cpu = {"alertname": "CPUHigh", "namespace": "shop", "service": "cart", "pod": "cart-1"}
    cpu |= {"severity": "warning", "rule": "cpu_high"}
    notes = {
        "summary": "High CPU: pod cart-1 of service cart at 95%",
        "description": (
            "Pod cart-1 of service cart in namespace shop uses 95% of its CPU limit "
            "(threshold 85% for 5m)."
        ),
    }
    # 0.95 cores reads 95 % from 1m (the counter starts at 0), so firing at 6m.
    expected: dict[str, dict[str, Alerts]] = {
        "5m45s": {"CPUHigh": []},
        "6m": {"CPUHigh": [alert(notes, **cpu)]},
    }
    return Case("default rules", text, series, expected, until="15m", interval="15s")


CASES = [CPU, RESET_GAP_STALE, LATENCY_JOIN, TEMPLATES, default_rules_case()]


def _seconds(text: str) -> float:
    seconds = parse_rule_duration(text)
    assert seconds is not None, text
    return seconds


def _engine_run(case: Case, rule_path: Path) -> tuple[dict[float, dict[str, Alerts]], Engine]:
    """Evaluate the case with this engine at every tick; return the firing alerts."""
    step = _seconds(case.interval)
    store = SeriesStore()
    load_series(store, case.series, step)
    groups = load_rule_file(rule_path, default_interval=step)
    engine = Engine(store)
    rules = RuleEngine([RuleGroup(g.name, step, g.rules) for g in groups], engine)
    names = [r.name for g in groups for r in g.rules if isinstance(r, AlertingRule)]
    firing: dict[float, dict[str, Alerts]] = {}
    ticks = round(_seconds(case.until) / step)
    for k in range(ticks + 1):
        rules.evaluate(k * step)
        now: dict[str, Alerts] = {name: [] for name in names}
        for a in rules.active_alerts():
            if a.state.value == "firing":
                now[a.name].append({"labels": dict(a.labels), "annotations": dict(a.annotations)})
        firing[k * step] = now
    return firing, engine


def _comparable(alerts: Alerts) -> list[tuple[tuple[str, str], ...]]:
    return sorted(
        tuple(sorted(a["labels"].items())) + tuple(sorted(a.get("annotations", {}).items()))
        for a in alerts
    )


def _alert_tests(at: str, by_name: dict[str, Alerts]) -> list[dict[str, object]]:
    tests: list[dict[str, object]] = []
    for name, alerts in by_name.items():
        expected = [
            {
                "exp_labels": {k: v for k, v in a["labels"].items() if k != "alertname"},
                "exp_annotations": a.get("annotations", {}),
            }
            for a in alerts
        ]
        tests.append({"eval_time": at, "alertname": name, "exp_alerts": expected})
    return tests


def _series_tests(engine: Engine, t: float) -> list[dict[str, object]]:
    tests: list[dict[str, object]] = []
    for metric in ("ALERTS", "ALERTS_FOR_STATE"):
        samples = [
            {
                "labels": metric
                + "{"
                + ", ".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()) if k != "__name__")
                + "}",
                "value": s.value,
            }
            for s in engine.instant(metric, t)
        ]
        tests.append({"expr": metric, "eval_time": format_duration(t), "exp_samples": samples})
    return tests


def _promtool(suite: Path) -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: the differential tests need Prometheus' promtool 2.42 "
            "(Debian package 'prometheus'; .ci/run installs it)"
        )
    done = subprocess.run(
        [path, "test", "rules", str(suite)], capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_alerts_agree_with_promtool(case: Case, tmp_path: Path) -> None:
    rule_path = tmp_path / "rules.yml"
    rule_path.write_text(case.rules)
    firing, engine = _engine_run(case, rule_path)

    # The engine agrees with the hand-written expectations...
    for at, by_name in case.expected.items():
        for name, alerts in by_name.items():
            got = firing[_seconds(at)][name]
            assert _comparable(got) == _comparable(alerts), f"{name} at {at}"

    # ...and promtool agrees with both, at every evaluation.
    alert_tests = [t for at, by in case.expected.items() for t in _alert_tests(at, by)]
    alert_tests += [t for at, by in firing.items() for t in _alert_tests(format_duration(at), by)]
    suite = {
        "rule_files": [rule_path.name],
        "evaluation_interval": case.interval,
        "tests": [
            {
                "interval": case.interval,
                "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
                "alert_rule_test": alert_tests,
                "promql_expr_test": [t for at in firing for t in _series_tests(engine, at)],
            }
        ],
    }
    suite_path = tmp_path / "test.yml"
    suite_path.write_text(yaml.safe_dump(suite, sort_keys=False))
    output = _promtool(suite_path)
    assert "SUCCESS" in output, output
