"""promtool's wording: values, labels, durations and failure texts."""

from __future__ import annotations

import math

import pytest

from dos.detect.modelduration import format_go_duration, format_model_duration
from dos.ruletest.report import alert_failure, expr_failure, format_e, format_labels


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0E+00"),
        (-0.0, "-0E+00"),
        (1.0, "1E+00"),
        (250.0, "2.5E+02"),
        (0.1 + 0.2, "3.0000000000000004E-01"),
        (1e100, "1E+100"),
        (-2.5e-7, "-2.5E-07"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
    ],
)
def test_values_print_as_go_formats_them_with_e(value: float, text: str) -> None:
    assert format_e(value) == text


def test_labels_print_sorted_and_go_quoted() -> None:
    assert format_labels({"b": 'say "hi"\n', "a": "x"}) == '{a="x", b="say \\"hi\\"\\n"}'
    assert format_labels({}) == "{}"


@pytest.mark.parametrize(
    ("seconds", "model", "go"),
    [
        (0.0, "0s", "0s"),
        (60.0, "1m", "1m0s"),
        (90.0, "1m30s", "1m30s"),
        (3600.0, "1h", "1h0m0s"),
        (86400.0, "1d", "24h0m0s"),
        (179.999, "2m59s999ms", "2m59.999s"),
        (0.25, "250ms", "250ms"),
        (604800.0 * 2, "2w", "336h0m0s"),
        (86400.0 * 365 + 60, "365d1m", "8760h1m0s"),
    ],
)
def test_durations_print_as_prometheus_and_go_print_them(
    seconds: float, model: str, go: str
) -> None:
    assert (format_model_duration(seconds), format_go_duration(seconds)) == (model, go)


def test_an_alert_failure_lists_expected_and_got_alerts() -> None:
    text = alert_failure(
        "Down",
        300.0,
        [({"alertname": "Down", "job": "a"}, {})],
        [],
        group_name="smoke",
    )
    assert text == (
        "    name: smoke,\n"
        "    alertname: Down, time: 5m, \n"
        "        exp:[\n"
        "            0:\n"
        '              Labels:{alertname="Down", job="a"}\n'
        "              Annotations:{}\n"
        "            ], \n"
        "        got:[]"
    )


def test_an_expression_failure_lists_samples_or_nil() -> None:
    text = expr_failure('up{job="a"}', 61.0, [({"job": "a"}, 1.0)], [])
    assert text == (
        '    expr: "up{job=\\"a\\"}", time: 1m1s,\n        exp: {job="a"} 1E+00\n        got: nil'
    )
