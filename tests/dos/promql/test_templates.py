"""Alert templates: the supported subset of Go's text/template, and its refusals."""

from __future__ import annotations

import math

import pytest

from dos.promql.templates import TemplateData, TemplateError, compile_template

DATA = TemplateData(
    labels={"__name__": "cpu", "pod": "cart-1", "service": "cart"},
    value=92.123456,
    external_labels={"cluster": "eu-1"},
    external_url="http://prom",
)


def expand(text: str, data: TemplateData = DATA) -> str:
    return compile_template(text).expand(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("{{ $labels.pod }}", "cart-1"),
        ("{{$labels.service}}/{{ .Labels.pod }}", "cart/cart-1"),
        ("{{ $value }}", "92.123456"),
        ("{{ .Value }}", "92.123456"),
        ("{{ $labels.missing }}", ""),
        ("{{ $externalLabels.cluster }} {{ $externalURL }}", "eu-1 http://prom"),
        ("{{ $value | humanize }}", "92.12"),
        ('{{ printf "%.1f" $value }}', "92.1"),
        ('{{ $value | printf "%.2f%%" }}', "92.12%"),
        ("{{ $labels.service | toUpper }}", "CART"),
        ('{{ "a" }}{{ `b` }}', "ab"),
        ("{{ humanize 1234567 }}", "1.235M"),
        ('{{ (printf "%s-%s" $labels.service $labels.pod) | title }}', "Cart-Cart-1"),
        ("a {{- $labels.pod -}} b", "acart-1b"),
        ("a {{/* a comment */}}b", "a b"),
        ("{{ $labels }}", "map[__name__:cpu pod:cart-1 service:cart]"),
    ],
)
def test_templates_expand_as_prometheus_expands_them(text: str, expected: str) -> None:
    assert expand(text) == expected


def test_large_and_special_values_print_as_go_prints_them() -> None:
    for value, text in ((1234567.0, "1.234567e+06"), (math.inf, "+Inf"), (math.nan, "NaN")):
        data = TemplateData({}, value, {})
        assert expand("{{ $value }}", data) == text


def test_a_failing_function_expands_to_an_error_text() -> None:
    assert expand("{{ $labels.pod | humanize }}").startswith("<error expanding template: ")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ if $value }}x{{ end }}", "'if' actions"),
        ("{{ range $labels }}{{ end }}", "'range' actions"),
        ("{{ $x := 1 }}", r"variable \$x"),
        ('{{ query "up" }}', "function 'query'"),
        ("{{ .Nope }}", "field 'Nope'"),
        ("{{ $labels.a.b }}", "too deep"),
        ("{{ $value", "unclosed"),
        ("{{ 1 2 }}", "only a function"),
        ("{{ }}", "empty command"),
    ],
)
def test_constructs_outside_the_subset_are_refused(text: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        compile_template(text)
