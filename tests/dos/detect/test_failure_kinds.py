"""The kinds of failure real users hit with alert rules, each on a small input.

Each case is a rule file and a promtool unit-test file that pins the behaviour down at the
evaluations that show it; the real ``promtool test rules`` must pass on it (so the
expectation is Prometheus' own behaviour) and so must DOS's runner of the same file.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from dos.ruletest import run_test_file

pytestmark = pytest.mark.promtool


@dataclass(frozen=True)
class Case:
    name: str
    rules: str
    tests: str


RESOLVED_ALERT_FIRES_AGAIN_WITH_A_NEW_ACTIVE_AT = Case(
    "resolved-then-fires-again",
    """
groups:
  - name: load
    rules:
      - alert: HighLoad
        expr: load > 1
        for: 2m
""",
    """
tests:
  - interval: 1m
    input_series:
      # Above the threshold, one minute below it at 4m, then above again.
      - series: load{host="a"}
        values: 2 2 2 2 0 2 2 2 2
    alert_rule_test:
      - {eval_time: 3m, alertname: HighLoad, exp_alerts: [{exp_labels: {host: a}}]}
      - {eval_time: 4m, alertname: HighLoad, exp_alerts: []}
      # Back at 5m but pending: the for clock restarted, the old activeAt is gone.
      - {eval_time: 6m, alertname: HighLoad, exp_alerts: []}
      - {eval_time: 7m, alertname: HighLoad, exp_alerts: [{exp_labels: {host: a}}]}
    promql_expr_test:
      - expr: ALERTS_FOR_STATE
        eval_time: 3m
        exp_samples: [{labels: 'ALERTS_FOR_STATE{alertname="HighLoad", host="a"}', value: 0}]
      - expr: ALERTS_FOR_STATE
        eval_time: 6m
        exp_samples: [{labels: 'ALERTS_FOR_STATE{alertname="HighLoad", host="a"}', value: 300}]
""",
)

GAP_LONGER_THAN_THE_LOOKBACK = Case(
    "gap-longer-than-the-lookback",
    """
groups:
  - name: down
    rules:
      - alert: Down
        expr: up == 0
      - alert: DownHeld
        expr: up == 0
        keep_firing_for: 3m
""",
    """
tests:
  - interval: 1m
    input_series:
      # Samples until 3m, none from 4m to 13m, samples again from 14m.
      - series: up{job="api"}
        values: 0x3 _x10 0x3
    alert_rule_test:
      # The 3m sample is seen for 5 minutes, up to 8m included.
      - {eval_time: 8m, alertname: Down, exp_alerts: [{exp_labels: {job: api}}]}
      - {eval_time: 9m, alertname: Down, exp_alerts: []}
      # keep_firing_for holds it from 9m for 3 minutes: 9m, 10m and 11m.
      - {eval_time: 11m, alertname: DownHeld, exp_alerts: [{exp_labels: {job: api}}]}
      - {eval_time: 12m, alertname: DownHeld, exp_alerts: []}
      - {eval_time: 14m, alertname: Down, exp_alerts: [{exp_labels: {job: api}}]}
      - {eval_time: 14m, alertname: DownHeld, exp_alerts: [{exp_labels: {job: api}}]}
""",
)

ABSENT_KNOWS_ONLY_EQUALITY_MATCHERS = Case(
    "absent-labels",
    """
groups:
  - name: presence
    rules:
      - alert: ApiGone
        expr: absent(up{job="api", instance=~"a.*"})
""",
    """
tests:
  # One of two instances vanishes: absent() still finds the other, so nothing fires and
  # nothing could say which instance went.
  - interval: 1m
    input_series:
      - {series: 'up{job="api", instance="a1"}', values: 1x3}
      - {series: 'up{job="api", instance="a2"}', values: 1x15}
    alert_rule_test:
      - {eval_time: 10m, alertname: ApiGone, exp_alerts: []}
  # Both vanish: the alert carries job="api" from the = matcher, and no instance.
  - interval: 1m
    input_series:
      - {series: 'up{job="api", instance="a1"}', values: 1x3}
      - {series: 'up{job="api", instance="a2"}', values: 1x3}
    alert_rule_test:
      - {eval_time: 8m, alertname: ApiGone, exp_alerts: []}
      - {eval_time: 9m, alertname: ApiGone, exp_alerts: [{exp_labels: {job: api}}]}
""",
)

NAN_NEVER_FIRES = Case(
    "nan-comparisons",
    """
groups:
  - name: ratios
    rules:
      - record: service:latency_seconds:p99
        expr: histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m])))
      - record: service:errors:ratio
        expr: sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))
      - alert: SlowP99
        expr: service:latency_seconds:p99 > 0.5
      - alert: NotSlowP99
        expr: service:latency_seconds:p99 <= 0.5
      - alert: ErrorRatio
        expr: service:errors:ratio > 0.01
""",
    """
tests:
  # No traffic: every bucket and counter is flat.
  - interval: 1m
    input_series:
      - {series: 'latency_seconds_bucket{le="0.1"}', values: 100x20}
      - {series: 'latency_seconds_bucket{le="1"}', values: 100x20}
      - {series: 'latency_seconds_bucket{le="+Inf"}', values: 100x20}
      - {series: 'errors_total', values: 5x20}
      - {series: 'requests_total', values: 1000x20}
    alert_rule_test:
      # NaN compares false both ways: neither the rule nor its opposite fires.
      - {eval_time: 10m, alertname: SlowP99, exp_alerts: []}
      - {eval_time: 10m, alertname: NotSlowP99, exp_alerts: []}
      - {eval_time: 10m, alertname: ErrorRatio, exp_alerts: []}
    promql_expr_test:
      # Both results are NaN: only NaN differs from itself.
      - expr: service:latency_seconds:p99 != bool service:latency_seconds:p99
        eval_time: 10m
        exp_samples: [{value: 1}]
      - expr: service:errors:ratio != bool service:errors:ratio
        eval_time: 10m
        exp_samples: [{value: 1}]
""",
)

COUNTER_RESET_IN_THE_RATE_WINDOW = Case(
    "counter-reset",
    """
groups:
  - name: traffic
    rules:
      - alert: TrafficSurge
        expr: rate(requests_total[5m]) > 2
      - alert: TrafficDrop
        expr: rate(requests_total[5m]) < 0.5
""",
    """
tests:
  - interval: 1m
    input_series:
      # One request a second; the process restarts at 11m and has counted 10 since.
      - series: requests_total{pod="a"}
        values: 0+60x10 10+60x10
    alert_rule_test:
      - {eval_time: 11m, alertname: TrafficSurge, exp_alerts: []}
      - {eval_time: 11m, alertname: TrafficDrop, exp_alerts: []}
      - {eval_time: 13m, alertname: TrafficSurge, exp_alerts: []}
      - {eval_time: 13m, alertname: TrafficDrop, exp_alerts: []}
    promql_expr_test:
      # 480 540 600 | 10 70 130: 60 + 60 + 10 (counted since the reset) + 60 + 60.
      - expr: increase(requests_total[5m])
        eval_time: 13m
        exp_samples: [{labels: '{pod="a"}', value: 250}]
""",
)

CASES = [
    RESOLVED_ALERT_FIRES_AGAIN_WITH_A_NEW_ACTIVE_AT,
    GAP_LONGER_THAN_THE_LOOKBACK,
    ABSENT_KNOWS_ONLY_EQUALITY_MATCHERS,
    NAN_NEVER_FIRES,
    COUNTER_RESET_IN_THE_RATE_WINDOW,
]


def write_case(case: Case, folder: Path) -> Path:
    (folder / "rules.yml").write_text(case.rules)
    test = folder / "test.yml"
    test.write_text("rule_files: [rules.yml]\nevaluation_interval: 1m\n" + case.tests)
    return test


def promtool_output(test: Path) -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: these tests need Prometheus' promtool 2.42 "
            "(Debian package 'prometheus'; .ci/run installs it)"
        )
    done = subprocess.run(
        [path, "test", "rules", test.name],
        cwd=test.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_prometheus_and_dos_agree_on_each_kind_of_failure(case: Case, tmp_path: Path) -> None:
    test = write_case(case, tmp_path)
    output = promtool_output(test)
    assert "SUCCESS" in output, output
    outcome = run_test_file(test)
    assert outcome.failures == ()


def test_a_wrong_expectation_fails_under_both(tmp_path: Path) -> None:
    wrong = COUNTER_RESET_IN_THE_RATE_WINDOW.tests.replace("value: 250", "value: -350")
    test = write_case(Case("naive", COUNTER_RESET_IN_THE_RATE_WINDOW.rules, wrong), tmp_path)
    assert "FAILED" in promtool_output(test)
    [failure] = run_test_file(test).failures
    assert 'exp: {pod="a"} -3.5E+02' in failure
    assert 'got: {pod="a"} 2.5E+02' in failure
