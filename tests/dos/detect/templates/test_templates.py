"""Alert templates: the supported subset of Go's text/template, and its refusals."""

from __future__ import annotations

import math

import pytest

from dos.detect.templates import QuerySample, TemplateData, TemplateError, compile_template

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
    ("text", "expected"),
    [
        ("{{ if gt $value 90.0 }}hot{{ else }}cold{{ end }}", "hot"),
        ('{{ if eq $labels.pod "x" }}x{{ else if $labels.pod }}pod{{ end }}', "pod"),
        (
            "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
            "__name__=cpu;pod=cart-1;service=cart;",
        ),
        ("{{ with $labels.nope }}set{{ else }}unset{{ end }}", "unset"),
        ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"),
        ('{{ and 1 0 }} {{ or 0 "" "x" }} {{ not 0 }} {{ len $labels }}', "0 x true 3"),
        ('{{ reReplaceAll "(.*)-(.*)" "$2/${1}" $labels.pod }}', "1/cart"),
        ('{{ match "^cart" $labels.service }} {{ index $labels "pod" }}', "true cart-1"),
        ("{{ humanizeTimestamp 1234567890.5 }}", "2009-02-13 23:31:30.5 +0000 UTC"),
        ('{{ parseDuration "1h30m" }} {{ toTime 60 }}', "5400 1970-01-01 00:01:00 +0000 UTC"),
        ('{{ stripPort "db:5432" }} {{ stripDomain "db.example.com:5432" }}', "db db:5432"),
        ('{{ graphLink "up > 0" }}', "/graph?g0.expr=up+%3E+0&g0.tab=0"),
        (
            "{{ gt $value 1 }}",
            "<error expanding template: error calling gt: incompatible types for comparison>",
        ),
    ],
)
def test_control_structures_variables_and_functions_work_as_in_go(
    text: str, expected: str
) -> None:
    assert expand(text) == expected


def test_query_runs_promql_and_its_helpers_read_the_result() -> None:
    up = [
        QuerySample({"__name__": "up", "instance": "b"}, 0.0),
        QuerySample({"__name__": "up", "instance": "a"}, 1.0),
    ]
    data = TemplateData({}, 0.0, {}, query=lambda expr: up if expr == "up" else [])
    template = (
        '{{ range query "up" }}{{ .Labels.instance }}={{ .Value }} {{ end }}'
        '{{ with query "up" | sortByLabel "instance" }}{{ . | first | label "instance" }}{{ end }}'
        '{{ query "none" | len }}{{ (query "up" | first).Value }}'
    )
    assert expand(template, data) == "b=0 a=1 a00"
    assert expand('{{ query "none" | first }}', data) == (
        "<error expanding template: error calling first: "
        "first() called on vector with no elements>"
    )


def test_query_without_an_engine_expands_to_an_error() -> None:
    assert expand('{{ query "up" }}').startswith("<error expanding template:")


def test_an_unknown_field_fails_when_expanded_as_in_go() -> None:
    assert "can't evaluate field Nope" in expand("{{ .Nope }}")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{{ define "x" }}{{ end }}', "'define' actions"),
        ('{{ template "x" }}', "'template' actions"),
        ("{{ if $value }}x", "has no {{end}}"),
        ("{{ end }}", "unexpected {{end}}"),
        ("{{ $x }}", "undefined variable '\\$x'"),
        ("{{ $x = 1 }}", "undefined variable \\$x"),
        ("{{ nosuch 1 }}", 'function "nosuch" not defined'),
        ('{{ js "x" }}', "function 'js' is not supported"),
        ("{{ $value", "unclosed action"),
        ("{{ }}", "missing value for command"),
        ("{{ (1 }}", "unclosed left paren"),
    ],
)
def test_constructs_outside_the_subset_are_refused(text: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        compile_template(text)
