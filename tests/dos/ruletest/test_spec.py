"""Reading promtool unit-test files: what loads, and how each mistake is reported."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dos.ruletest.spec import RuleTestError, load_test_file

FULL = """\
rule_files: [rules/*.yml]
evaluation_interval: 30s
group_eval_order: [b, a]
tests:
  - name: smoke
    interval: 15s
    external_labels: {cluster: eu}
    external_url: http://prom
    input_series:
      - series: up{job="a"}
        values: 1 0 stale
    alert_rule_test:
      - eval_time: 1m
        alertname: Down
        exp_alerts:
          - exp_labels: {job: a}
            exp_annotations: {summary: down}
    promql_expr_test:
      - expr: up
        eval_time: 2m59s999ms
        exp_samples:
          - {labels: 'up{job="a"}', value: 1e3}
          - {value: .nan}
  - input_series: []
"""


def write(folder: Path, text: str, name: str = "test.yml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_a_test_file_loads_with_its_rule_files_resolved_and_globbed(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    for name in ("b.yml", "a.yml", "c.txt"):
        (tmp_path / "rules" / name).write_text("groups: []\n")
    spec = load_test_file(write(tmp_path, FULL))
    assert spec.rule_files == (str(tmp_path / "rules/a.yml"), str(tmp_path / "rules/b.yml"))
    assert (spec.evaluation_interval, spec.group_eval_order) == (30.0, ("b", "a"))
    smoke, bare = spec.tests
    assert (smoke.name, smoke.interval, smoke.external_labels) == (
        "smoke",
        15.0,
        {"cluster": "eu"},
    )
    assert smoke.external_url == "http://prom"
    assert (smoke.input_series[0].series, smoke.input_series[0].values) == (
        'up{job="a"}',
        "1 0 stale",
    )
    [alert] = smoke.alert_cases
    assert (alert.eval_time, alert.alertname) == (60.0, "Down")
    assert alert.expected[0].labels == {"job": "a"}
    assert alert.expected[0].annotations == {"summary": "down"}
    [expr] = smoke.expr_cases
    assert expr.eval_time == 179.999
    assert expr.expected[0].value == 1000.0
    assert math.isnan(expr.expected[1].value)
    assert (expr.expected[1].labels, bare.interval, bare.name) == ("", 0.0, "")


def test_defaults_follow_promtool(tmp_path: Path) -> None:
    spec = load_test_file(write(tmp_path, "tests:\n  - {}\n"))
    assert (spec.evaluation_interval, spec.rule_files, spec.group_eval_order) == (60.0, (), ())
    assert spec.tests[0].interval == 0.0
    assert load_test_file(write(tmp_path, "", "empty.yml")).tests == ()


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("tests: [", "line 1", "invalid YAML"),
        ("test: []", "top level (line 1)", "unknown key 'test'"),
        ("evaluation_interval: 1.5m", "evaluation_interval (line 1)", "not a valid duration"),
        ("rule_files: [nosuch.yml]", "rule_files[0] (line 1)", "no file matches 'nosuch.yml'"),
        ("group_eval_order: [a, a]", "group_eval_order", "repeated in evaluation order: a"),
        ("tests:\n  - intervall: 1m", "tests[0] (line 2)", "unknown key 'intervall'"),
        ("tests:\n  - interval: 1m\n    interval: 2m", "tests[0]", "key 'interval' is repeated"),
        (
            "tests:\n  - alert_rule_test:\n      - {eval_time: 10, alertname: A}",
            "tests[0].alert_rule_test[0]",
            "'10' is not a valid duration",
        ),
        (
            "tests:\n  - promql_expr_test:\n      - {expr: up, exp_samples: [{value: x}]}",
            "tests[0].promql_expr_test[0].exp_samples[0]",
            "value 'x' is not a number",
        ),
        (
            "tests:\n  - promql_expr_test:\n      - {expr: up, exp_samples: [{value: '1'}]}",
            "exp_samples[0]",
            "value '1' is not a number",
        ),
        (
            "tests:\n  - input_series:\n      - {series: up, value: 1}",
            "tests[0].input_series[0]",
            "unknown key 'value'",
        ),
        ("tests:\n  - external_labels: [a]", "tests[0].external_labels", "expected a mapping"),
    ],
)
def test_mistakes_name_the_file_the_place_and_the_problem(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RuleTestError) as caught:
        load_test_file(path)
    assert caught.value.path == str(path)
    assert where in caught.value.where
    assert problem in caught.value.reason


def test_a_missing_test_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RuleTestError, match=r"absent\.yml: file: cannot read it"):
        load_test_file(tmp_path / "absent.yml")
