"""promtool's rule unit-test files (``promtool test rules``), read strictly into records.

The format is Prometheus 2.42's: ``rule_files`` (relative to the test file, globs
allowed), ``evaluation_interval`` (default 1m), ``group_eval_order`` and ``tests``, each
test group with ``interval``, ``input_series``, ``alert_rule_test``,
``promql_expr_test``, ``external_labels``, ``external_url`` and ``name``. As promtool
does, a test group without ``interval`` does not inherit ``evaluation_interval``: its
samples all fall at time 0. Unknown or repeated keys are errors, as with promtool's strict
YAML. One difference: a ``rule_files`` entry that matches no file is an error here, where
promtool only warns and runs the tests without those rules.
"""

from __future__ import annotations

import glob
import math
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from dos.detect.modelduration import parse_model_duration
from dos.detect.yamlnodes import NodeReader, compose_file
from dos.errors import DOSError
from dos.promql.gomath import parse_float

__all__ = [
    "AlertCase",
    "ExpectedAlert",
    "ExpectedSample",
    "ExprCase",
    "InputSeries",
    "RuleTestError",
    "RuleTestFile",
    "RuleTestGroup",
    "load_test_file",
]

_FILE_KEYS = ("rule_files", "evaluation_interval", "group_eval_order", "tests")
_GROUP_KEYS = (
    "interval",
    "input_series",
    "alert_rule_test",
    "promql_expr_test",
    "external_labels",
    "external_url",
    "name",
)
_YAML_FLOATS = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}


class RuleTestError(DOSError):
    """A rule unit-test file is malformed; the message names the file and the place in it."""

    def __init__(self, path: str, where: str, reason: str) -> None:
        super().__init__(f"{path}: {where}: {reason}")
        self.path = path
        self.where = where
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InputSeries:
    """One ``input_series`` entry: a series and its values in promtool's notation."""

    series: str
    values: str
    line: int


@dataclass(frozen=True, slots=True)
class ExpectedAlert:
    """One expected firing alert: its labels (without ``alertname``) and annotations."""

    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass(frozen=True, slots=True)
class AlertCase:
    """An ``alert_rule_test``: the alerts of ``alertname`` firing at ``eval_time``."""

    eval_time: float
    alertname: str
    expected: tuple[ExpectedAlert, ...]


@dataclass(frozen=True, slots=True)
class ExpectedSample:
    """One expected sample: a series in selector notation and its value."""

    labels: str
    value: float


@dataclass(frozen=True, slots=True)
class ExprCase:
    """A ``promql_expr_test``: what ``expr`` returns at ``eval_time``."""

    expr: str
    eval_time: float
    expected: tuple[ExpectedSample, ...]


@dataclass(frozen=True, slots=True)
class RuleTestGroup:
    """One entry of ``tests``."""

    interval: float
    input_series: tuple[InputSeries, ...]
    alert_cases: tuple[AlertCase, ...]
    expr_cases: tuple[ExprCase, ...]
    external_labels: dict[str, str]
    external_url: str
    name: str


@dataclass(frozen=True, slots=True)
class RuleTestFile:
    """A whole test file, with its rule files resolved to paths."""

    path: str
    rule_files: tuple[str, ...]
    evaluation_interval: float
    group_eval_order: tuple[str, ...]
    tests: tuple[RuleTestGroup, ...]


def load_test_file(path: str | Path) -> RuleTestFile:
    """Read a unit-test file; raise :class:`RuleTestError` naming the first mistake."""
    name = str(path)
    root = compose_file(path, RuleTestError)
    if root is None:
        return RuleTestFile(name, (), 60.0, (), ())
    return _Reader(name).file(root)


class _Reader(NodeReader[RuleTestError]):
    def __init__(self, path: str) -> None:
        super().__init__(path, RuleTestError)

    def file(self, root: yaml.Node) -> RuleTestFile:
        """Read the top level."""
        fields = self.mapping(root, "top level", _FILE_KEYS)
        interval = 60.0
        if "evaluation_interval" in fields:
            interval = self.duration(fields["evaluation_interval"], "evaluation_interval") or 60.0
        order = self.group_order(fields.get("group_eval_order"))
        rule_files = self.rule_files(fields.get("rule_files"))
        tests = (
            [
                self.group(f"tests[{i}]", node)
                for i, node in enumerate(self.sequence(fields["tests"], "tests"))
            ]
            if "tests" in fields
            else []
        )
        return RuleTestFile(self.path, rule_files, interval, order, tuple(tests))

    def duration(self, node: yaml.Node, where: str) -> float:
        """Read a duration in Prometheus' notation (``1m``, ``2m30s``, ``0``)."""
        text = self.scalar(node, where)
        seconds = parse_model_duration(text)
        if seconds is None:
            raise self.error(
                where, node, f"{text!r} is not a valid duration (such as 30s, 5m, 1h30m)"
            )
        return seconds

    def group_order(self, node: yaml.Node | None) -> tuple[str, ...]:
        """Read ``group_eval_order``, refusing a name given twice."""
        names: list[str] = []
        for item in self.sequence(node, "group_eval_order") if node is not None else []:
            name = self.scalar(item, "group_eval_order")
            if name in names:
                raise self.error(
                    "group_eval_order", item, f"group name repeated in evaluation order: {name}"
                )
            names.append(name)
        return tuple(names)

    def rule_files(self, node: yaml.Node | None) -> tuple[str, ...]:
        """Resolve ``rule_files`` against the test file's folder and expand globs."""
        base = os.path.dirname(self.path)
        found: list[str] = []
        for i, item in enumerate(self.sequence(node, "rule_files") if node is not None else []):
            pattern = self.scalar(item, f"rule_files[{i}]")
            full = os.path.normpath(os.path.join(base, pattern)) if pattern else pattern
            matches = sorted(glob.glob(full)) if full else []
            if not matches:
                raise self.error(f"rule_files[{i}]", item, f"no file matches {pattern!r}")
            found.extend(matches)
        return tuple(found)

    def group(self, where: str, node: yaml.Node) -> RuleTestGroup:
        """Read one test group."""
        fields = self.mapping(node, where, _GROUP_KEYS)
        interval = self.duration(fields["interval"], where) if "interval" in fields else 0.0
        series = [
            self.series(f"{where}.input_series[{i}]", item)
            for i, item in enumerate(self.items(fields, "input_series", where))
        ]
        alerts = [
            self.alert_case(f"{where}.alert_rule_test[{i}]", item)
            for i, item in enumerate(self.items(fields, "alert_rule_test", where))
        ]
        exprs = [
            self.expr_case(f"{where}.promql_expr_test[{i}]", item)
            for i, item in enumerate(self.items(fields, "promql_expr_test", where))
        ]
        labels = fields.get("external_labels")
        return RuleTestGroup(
            interval,
            tuple(series),
            tuple(alerts),
            tuple(exprs),
            self.strings(labels, f"{where}.external_labels") if labels is not None else {},
            self.text(fields, "external_url", where),
            self.text(fields, "name", where),
        )

    def items(self, fields: dict[str, yaml.Node], key: str, where: str) -> list[yaml.Node]:
        """Return the items of an optional list field."""
        return self.sequence(fields[key], f"{where}.{key}") if key in fields else []

    def text(self, fields: dict[str, yaml.Node], key: str, where: str) -> str:
        """Return an optional single-value field ("" if absent)."""
        return self.scalar(fields[key], f"{where}.{key}") if key in fields else ""

    def series(self, where: str, node: yaml.Node) -> InputSeries:
        """Read one input series."""
        fields = self.mapping(node, where, ("series", "values"))
        return InputSeries(
            self.text(fields, "series", where),
            self.text(fields, "values", where),
            node.start_mark.line + 1,
        )

    def alert_case(self, where: str, node: yaml.Node) -> AlertCase:
        """Read one ``alert_rule_test``."""
        fields = self.mapping(node, where, ("eval_time", "alertname", "exp_alerts"))
        at = self.duration(fields["eval_time"], where) if "eval_time" in fields else 0.0
        expected = []
        for i, item in enumerate(self.items(fields, "exp_alerts", where)):
            inner = f"{where}.exp_alerts[{i}]"
            alert = self.mapping(item, inner, ("exp_labels", "exp_annotations"))
            labels = alert.get("exp_labels")
            annotations = alert.get("exp_annotations")
            expected.append(
                ExpectedAlert(
                    self.strings(labels, f"{inner}.exp_labels") if labels is not None else {},
                    self.strings(annotations, f"{inner}.exp_annotations")
                    if annotations is not None
                    else {},
                )
            )
        return AlertCase(at, self.text(fields, "alertname", where), tuple(expected))

    def expr_case(self, where: str, node: yaml.Node) -> ExprCase:
        """Read one ``promql_expr_test``."""
        fields = self.mapping(node, where, ("expr", "eval_time", "exp_samples"))
        at = self.duration(fields["eval_time"], where) if "eval_time" in fields else 0.0
        samples = []
        for i, item in enumerate(self.items(fields, "exp_samples", where)):
            inner = f"{where}.exp_samples[{i}]"
            sample = self.mapping(item, inner, ("labels", "value"))
            value = self.number(sample["value"], inner) if "value" in sample else 0.0
            samples.append(ExpectedSample(self.text(sample, "labels", inner), value))
        return ExprCase(self.text(fields, "expr", where), at, tuple(samples))

    def number(self, node: yaml.Node, where: str) -> float:
        """Read a sample value: a number as YAML or Go writes it."""
        text = self.scalar(node, f"{where}.value")
        value = _YAML_FLOATS.get(text.lower(), parse_float(text.replace("_", "")))
        if value is None or (isinstance(node, yaml.ScalarNode) and node.style is not None):
            raise self.error(where, node, f"value {text!r} is not a number")
        return value
