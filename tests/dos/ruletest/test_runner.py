"""The unit-test runner against promtool: same verdicts, same failure texts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from dos.ruletest import run_test_file
from experiments.rules_cli import test_rules as dos_rules_test

RULES = """\
groups:
  - name: first
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        labels: {severity: page}
        annotations:
          summary: '{{ $labels.instance }} of {{ $labels.job }} is down ({{ $value }})'
  - name: second
    rules:
      - record: job:up:sum:doubled
        expr: job:up:sum * 2
      - alert: Clash
        expr: up{job="clash"}
        labels: {instance: same}
"""

FAILING = """\
rule_files: [rules.yml]
evaluation_interval: 1m
group_eval_order: [first, second]
tests:
  - name: wrong expectations
    interval: 1m
    input_series:
      - {series: 'up{job="api", instance="b:1"}', values: 0x10}
      - {series: 'up{job="api", instance="a:1"}', values: 0 0 0 1 1 NaN}
    alert_rule_test:
      - eval_time: 150s
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {instance: "b:1", job: api}
            exp_annotations: {summary: wrong}
      - eval_time: 3m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {instance: "a:1", job: api, severity: page}
            exp_annotations: {summary: 'a:1 of api is down (0)'}
      - eval_time: 4m
        alertname: InstanceDown
        exp_alerts: []
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 4m
        exp_samples: [{labels: 'job:up:sum{job="api"}', value: 2}]
      - expr: sum(up) != bool sum(up)
        eval_time: 5m
        exp_samples: [{value: 1}]
      - expr: up{instance="a:1"}
        eval_time: 5m
        exp_samples: [{labels: 'up{instance="a:1", job="api"}', value: .nan}]
      - expr: up[5m]
        eval_time: 5m
      - expr: nosuch
        eval_time: 1m
        exp_samples: [{labels: '{a="b"}', value: 1.5e-7}]
  - interval: 1m
    input_series:
      - {series: 'up{job="clash", instance="a"}', values: 1x3}
      - {series: 'up{job="clash", instance="b"}', values: _ 1x3}
    alert_rule_test:
      - {eval_time: 3m, alertname: Clash}
  - alert_rule_test:
      - eval_time: 1m
"""


def write(folder: Path, test: str, rules: str = RULES) -> Path:
    (folder / "rules.yml").write_text(rules)
    path = folder / "test.yml"
    path.write_text(test)
    return path


def test_failures_are_worded_exactly_as_promtool_words_them(
    tmp_path: Path, promtool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, FAILING)
    expected = promtool.run("test", "rules", "test.yml", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = dos_rules_test(["test.yml"], out, err)
    assert (code, expected.returncode) == (1, 1)
    assert err.getvalue() == expected.stderr
    assert out.getvalue() == expected.stdout


def test_a_passing_file_passes_under_both(tmp_path: Path, promtool: Any) -> None:
    passing = """\
rule_files: [rules.yml]
group_eval_order: [first, second]
tests:
  - interval: 30s
    input_series:
      - {series: 'up{job="api", instance="a:1"}', values: 1 1 0 0 0 0 0 0 stale}
    alert_rule_test:
      # Checked against the evaluation at 2m: active at 1m, not yet firing.
      - {eval_time: 2m59s, alertname: InstanceDown}
      - eval_time: 3m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {instance: "a:1", job: api, severity: page}
            exp_annotations: {summary: 'a:1 of api is down (0)'}
      # The stale marker at 4m ends the series at once.
      - {eval_time: 4m, alertname: InstanceDown}
    promql_expr_test:
      # "first" runs before "second": the doubled sum is of the same evaluation.
      - expr: job:up:sum:doubled
        eval_time: 1m
        exp_samples: [{labels: 'job:up:sum:doubled{job="api"}', value: 0}]
      - expr: job:up:sum:doubled
        eval_time: 1m30s
        exp_samples: [{labels: 'job:up:sum:doubled{job="api"}', value: 0}]
  # Without an interval every value falls at 0, and the first one is kept.
  - input_series:
      - {series: 'up{job="api", instance="a:1"}', values: 4 5 6}
    promql_expr_test:
      - expr: up
        eval_time: 3m
        exp_samples: [{labels: 'up{job="api", instance="a:1"}', value: 4}]
"""
    path = write(tmp_path, passing)
    done = promtool.run("test", "rules", "test.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert run_test_file(path).failures == ()


def test_group_eval_order_decides_what_a_later_group_sees(tmp_path: Path, promtool: Any) -> None:
    reversed_order = """\
rule_files: [rules.yml]
group_eval_order: [second, first]
tests:
  - interval: 1m
    input_series:
      - {series: 'up{job="api", instance="a:1"}', values: 1 2 3}
    promql_expr_test:
      # "second" runs first, so it doubles the sum of the evaluation before.
      - expr: job:up:sum:doubled
        eval_time: 2m
        exp_samples: [{labels: 'job:up:sum:doubled{job="api"}', value: 4}]
"""
    path = write(tmp_path, reversed_order)
    done = promtool.run("test", "rules", "test.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert run_test_file(path).failures == ()
    flipped = reversed_order.replace("[second, first]", "[first, second]")
    [failure] = run_test_file(write(tmp_path, flipped)).failures
    assert 'got: {__name__="job:up:sum:doubled", job="api"} 6E+00' in failure


def test_a_broken_rule_file_is_reported_for_each_test_group(tmp_path: Path) -> None:
    rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n"
    path = write(tmp_path, "rule_files: [rules.yml]\ntests: [{}, {}]\n", rules)
    failures = run_test_file(path).failures
    assert len(failures) == 2
    assert "rules.yml: group 'g', rule 1 (alert 'A') (line 5): could not parse" in failures[0]


def test_a_malformed_test_file_is_one_failure_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "tests:\n  - nope: 1\n")
    [failure] = run_test_file(path).failures
    assert failure.startswith(f"{path}: tests[0] (line 2): unknown key 'nope'")


def test_bad_series_notation_ends_the_test_group(tmp_path: Path) -> None:
    path = write(tmp_path, "tests:\n  - input_series:\n      - {series: up, values: 1 x 2}\n")
    [failure] = run_test_file(path).failures
    assert "input series at line 3" in failure
    assert "'x'" in failure
