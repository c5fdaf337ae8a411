"""Rule files: what loads, and how each mistake is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.detect.rulefile import load_rule_file, load_rule_files, parse_rule_duration
from dos.detect.rules import AlertingRule, RecordingRule
from dos.errors import RuleFileError

GOOD = """\
groups:
  - name: cpu
    interval: 30s
    rules:
      - record: service:cpu:rate1m
        expr: sum by (service) (rate(cpu[1m]))
        labels:
          kind: derived
      - alert: CPUHigh
        expr: service:cpu:rate1m > 0.9
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.service }} at {{ $value | humanizePercentage }}"
  - name: other
    limit: 10
    rules: []
"""


def write(tmp_path: Path, text: str, name: str = "rules.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_rule_file_loads_into_groups_and_rules(tmp_path: Path) -> None:
    cpu, other = load_rule_file(write(tmp_path, GOOD), default_interval=15.0)
    assert (cpu.name, cpu.interval, other.interval, other.limit) == ("cpu", 30.0, 15.0, 10)
    record, alert = cpu.rules
    assert record == RecordingRule(
        "service:cpu:rate1m", "sum by (service) (rate(cpu[1m]))", {"kind": "derived"}
    )
    assert isinstance(alert, AlertingRule)
    assert (alert.name, alert.for_, alert.keep_firing_for) == ("CPUHigh", 300.0, 60.0)
    assert alert.labels == {"severity": "warning"}
    assert "humanizePercentage" in alert.annotations["summary"]


def test_several_files_load_in_order(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "a.yml")
    second = write(tmp_path, "groups:\n  - name: more\n    rules: []\n", "b.yml")
    assert [g.name for g in load_rule_files([first, second])] == ["cpu", "other", "more"]
    assert [g.name for g in load_rule_files([second])] == ["more"]


def test_an_empty_file_has_no_groups(tmp_path: Path) -> None:
    assert load_rule_file(write(tmp_path, "")) == []
    assert load_rule_file(write(tmp_path, "groups:\n")) == []


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("groups: [", "line 1", "invalid YAML"),
        ("rules: []", "top level (line 1)", "unknown key 'rules'"),
        ("groups:\n  - rules: []", "groups[0]", "'name' must be set"),
        ("groups:\n  - name: a\n    intreval: 1m", "groups[0]", "unknown key 'intreval'"),
        ("groups:\n  - name: a\n  - name: a", "groups[1]", "'a' is repeated"),
        ("groups:\n  - name: a\n    interval: 1.5m", "group 'a' (line 3)", "not a valid duration"),
        ("groups:\n  - name: a\n    limit: -1", "group 'a'", "not a whole number"),
        ("groups:\n  - name: a\n    rules: x", "group 'a'", "expected a list"),
    ],
)
def test_group_mistakes_name_the_file_and_the_group(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    assert caught.value.path == str(path)
    assert where in caught.value.where
    assert problem in caught.value.reason
    assert str(path) in str(caught.value)


def rule_file(rule: str) -> str:
    body = "\n".join("      " + line for line in rule.strip().splitlines())
    return f"groups:\n  - name: g\n    rules:\n      - alert: Fine\n        expr: up\n{body}\n"


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("- alert: A\n  record: b\n  expr: up", "only one of 'record' and 'alert'"),
        ("- expr: up", "one of 'record' or 'alert' must be set"),
        ("- alert: A", "field 'expr' must be set"),
        ("- alert: A\n  expr: sum(", "could not parse expression"),
        (
            "- alert: A\n  expr: mad_over_time(up[5m])",
            "mad_over_time() (not in Prometheus 2.42's PromQL) is not supported",
        ),
        ("- alert: A\n  expr: nosuchfn(up)", "unknown function with name 'nosuchfn'"),
        ("- alert: A\n  expr: rate(up[5x])", "bad number or duration syntax: 5x"),
        ("- alert: A\n  expr: rate(up)", "expected type matrix in call to function 'rate'"),
        ("- alert: A\n  expr: up\n  for: 5 minutes", "for '5 minutes' is not a valid duration"),
        ("- alert: A\n  expr: up\n  keep_firing_for: 1h1h", "not a valid duration"),
        ("- alert: A\n  expr: up\n  fro: 5m", "unknown key 'fro'"),
        ("- alert: A\n  expr: up\n  expr: down", "key 'expr' is repeated"),
        ("- alert: A\n  expr: up\n  labels:\n    0bad: x", "invalid label name: '0bad'"),
        ("- alert: A\n  expr: up\n  labels:\n    __name__: x", "invalid label name"),
        ("- alert: A\n  expr: up\n  annotations:\n    a-b: x", "invalid annotation name"),
        ("- alert: A\n  expr: up\n  annotations:\n    a: '{{ nosuch }}'", "annotation 'a'"),
        ("- record: 1bad\n  expr: up", "invalid recording rule name"),
        ("- record: r\n  expr: up\n  for: 1m", "invalid field 'for' in recording rule"),
        ("- record: r\n  expr: up\n  annotations: {a: b}", "invalid field 'annotations'"),
    ],
)
def test_rule_mistakes_name_the_file_group_and_rule(
    tmp_path: Path, rule: str, problem: str
) -> None:
    path = write(tmp_path, rule_file(rule))
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    assert "group 'g', rule 2" in caught.value.where
    assert "line " in caught.value.where
    assert problem in caught.value.reason
    assert str(path) in str(caught.value)


def test_a_named_rule_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="rule 2 \\(alert 'A'\\)"):
        load_rule_file(write(tmp_path, rule_file("- alert: A\n  expr: sum(")))


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rule_file(tmp_path / "absent.yml")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("30s", 30.0), ("1h30m", 5400.0), ("1d", 86400.0), ("250ms", 0.25)],
)
def test_rule_durations_read_as_prometheus_reads_them(text: str, seconds: float) -> None:
    assert parse_rule_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1.5m", "5", "1m1h", "-1m", "1 m"])
def test_bad_rule_durations_are_refused(text: str) -> None:
    assert parse_rule_duration(text) is None
