"""promtool's own wording of rule unit-test failures, so that both outputs compare line by line.

Labels print as Prometheus prints a label set (``{a="b", c="d"}``, sorted, Go-quoted),
values as Go's ``strconv.FormatFloat(v, 'E', -1, 64)`` (``1.5E+00``), evaluation times
of tests as ``model.Duration`` (``1m30s``) and of rule evaluations as Go's
``time.Duration`` (``1m0s``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from dos.detect.modelduration import format_go_duration, format_model_duration
from dos.detect.templates.gofmt import go_quote

__all__ = [
    "AlertText",
    "alert_failure",
    "evaluation_failure",
    "expr_error",
    "expr_failure",
    "format_e",
    "format_labels",
    "missing_alertname",
]

AlertText = tuple[Mapping[str, str], Mapping[str, str]]
"""An alert as promtool compares it: its labels and its annotations."""

_ALERT_INDENT = " " * 12


def format_labels(labels: Mapping[str, str]) -> str:
    """Write a label set as Prometheus' ``Labels.String`` does."""
    return "{" + ", ".join(f"{k}={go_quote(v)}" for k, v in sorted(labels.items())) + "}"


def format_e(value: float) -> str:
    """Write ``value`` as Go's ``strconv.FormatFloat(value, 'E', -1, 64)`` does.

    >>> format_e(1.0), format_e(0.5), format_e(1234.5), format_e(-math.inf)
    ('1E+00', '5E-01', '1.2345E+03', '-Inf')
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return f"{sign}0E+00"
    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    text = "".join(map(str, digits)).rstrip("0")
    power = exponent + len(digits) - 1
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{sign}{mantissa}E{power:+03d}"


def alert_failure(
    alertname: str,
    eval_time: float,
    expected: Sequence[AlertText],
    got: Sequence[AlertText],
    group_name: str = "",
) -> str:
    """Describe an ``alert_rule_test`` whose alerts differ, as promtool does."""
    name = f"    name: {group_name},\n" if group_name else ""
    return (
        f"{name}    alertname: {alertname}, time: {format_model_duration(eval_time)}, \n"
        f"        exp:{_indent(_alerts(expected), _ALERT_INDENT)}, \n"
        f"        got:{_indent(_alerts(got), _ALERT_INDENT)}"
    )


def expr_failure(
    expr: str,
    eval_time: float,
    expected: Sequence[tuple[Mapping[str, str], float]],
    got: Sequence[tuple[Mapping[str, str], float]],
) -> str:
    """Describe a ``promql_expr_test`` whose samples differ, as promtool does."""
    return (
        f"    expr: {go_quote(expr)}, time: {format_model_duration(eval_time)},\n"
        f"        exp: {_samples(expected)}\n"
        f"        got: {_samples(got)}"
    )


def expr_error(expr: str, eval_time: float, error: str) -> str:
    """Describe a ``promql_expr_test`` that could not run, as promtool does."""
    return f"    expr: {go_quote(expr)}, time: {format_model_duration(eval_time)}, err: {error}"


def evaluation_failure(rule: str, eval_time: float, error: str) -> str:
    """Describe a rule whose evaluation failed during a test, as promtool does."""
    return f"    rule: {rule}, time: {format_go_duration(eval_time)}, err: {error}"


def missing_alertname(eval_time: float, group_name: str) -> str:
    """Describe an ``alert_rule_test`` without ``alertname``, as promtool does."""
    where = f" (in TestGroup {group_name})" if group_name else ""
    return (
        "an item under alert_rule_test misses required attribute alertname at eval_time "
        f"{format_model_duration(eval_time)}{where}"
    )


def _alerts(alerts: Sequence[AlertText]) -> str:
    if not alerts:
        return "[]"
    items = [
        f"{i}:" + _indent(f"\nLabels:{format_labels(lab)}\nAnnotations:{format_labels(ann)}", "  ")
        for i, (lab, ann) in enumerate(alerts)
    ]
    return "[\n" + ",\n".join(items) + "\n]"


def _samples(samples: Sequence[tuple[Mapping[str, str], float]]) -> str:
    if not samples:
        return "nil"
    return ", ".join(f"{format_labels(labels)} {format_e(value)}" for labels, value in samples)


def _indent(text: str, indent: str) -> str:
    """Prefix every line but the first with ``indent`` (promtool's indentLines)."""
    return ("\n" + indent).join(text.split("\n"))
