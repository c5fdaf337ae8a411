"""label_replace, label_join, and the labels absent and absent_over_time report."""

from __future__ import annotations

import re

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.promql.labelfns import expand
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


@pytest.fixture
def engine() -> Engine:
    store = SeriesStore()
    store.append_sample(labels_of("up", instance="host-1:9100", job="node"), 0.0, 1.0)
    store.append_sample(labels_of("up", instance="db", job="pg"), 0.0, 0.0)
    return Engine(store)


def labels(engine: Engine, expr: str, t: float = 0.0) -> list[dict[str, str]]:
    return sorted(
        (dict(s.labels) for s in engine.instant(expr, t)), key=lambda lbl: lbl.get("job", "")
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$1", "a"),
        ("${1}x", "ax"),
        ("$1x", ""),  # the group named "1x" does not exist
        ("$name-$2", "b-b"),
        ("${name}", "b"),
        ("$$1", "$1"),
        ("$", "$"),
        ("${1", "${1"),
        ("$0", "ab"),
        ("$3", ""),
        ("$01", ""),  # a leading zero makes it a name, and no group has it
    ],
)
def test_replacements_expand_as_go_expands_them(template: str, expected: str) -> None:
    match = re.fullmatch(r"(a)(?P<name>b)", "ab")
    assert match is not None
    assert expand(template, match) == expected


def test_label_replace_sets_a_label_from_a_full_match(engine: Engine) -> None:
    assert labels(engine, 'label_replace(up, "host", "$1", "instance", "(.*):.*")') == [
        {"__name__": "up", "host": "host-1", "instance": "host-1:9100", "job": "node"},
        {"__name__": "up", "instance": "db", "job": "pg"},
    ]


def test_label_replace_anchors_the_regex_at_both_ends(engine: Engine) -> None:
    assert labels(engine, 'label_replace(up, "x", "y", "instance", "host")') == labels(
        engine, "up"
    )


def test_an_empty_replacement_removes_the_label(engine: Engine) -> None:
    assert labels(engine, 'label_replace(up, "job", "", "job", "pg")')[0] == {
        "__name__": "up",
        "instance": "db",
    }


def test_a_missing_source_label_matches_as_empty(engine: Engine) -> None:
    replaced = labels(engine, 'label_replace(up, "x", "empty", "nope", "")')
    assert all(lbl["x"] == "empty" for lbl in replaced)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ('label_replace(up, "x", "$1", "job", "(")', r"invalid regular expression.*: \("),
        ('label_replace(up, "1x", "$1", "job", ".*")', "invalid destination label name.*1x"),
        (
            'label_replace(label_replace(up, "job", "j", "job", ".*"), "instance", "i", "", "")',
            "same labelset",
        ),
        ('label_join(up, "x", ",", "bad-name")', "invalid source label name.*bad-name"),
        ('label_join(up, "x-y", ",", "job")', "invalid destination label name.*x-y"),
    ],
)
def test_label_function_mistakes_are_errors(engine: Engine, expr: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        engine.instant(expr, 0.0)


def test_label_join_joins_the_sources_and_an_empty_result_removes_the_target(
    engine: Engine,
) -> None:
    joined = labels(engine, 'label_join(up, "id", "/", "job", "nope", "instance")')
    assert [lbl["id"] for lbl in joined] == ["node//host-1:9100", "pg//db"]
    assert "job" not in labels(engine, 'label_join(up, "job", "", "nope")')[0]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("nope", {}),
        ('nope{a="b"}', {"a": "b"}),
        ('nope{a="b",a="c"}', {}),  # the second equality on a removes it
        ('nope{a=~"b"}', {}),
        ('nope{a="b",c!="d"}', {"a": "b"}),
        ('nope{a!="x",a="y"}', {"a": "y"}),
        ('nope{a=""}', {}),
        ('{__name__="nope",a="b"}', {"a": "b"}),
    ],
)
def test_absent_carries_only_equality_matchers(
    engine: Engine, selector: str, expected: dict[str, str]
) -> None:
    assert labels(engine, f"absent({selector})") == [expected]
    assert labels(engine, f"absent_over_time({selector}[5m])") == [expected]


def test_absent_of_a_present_series_or_of_an_expression(engine: Engine) -> None:
    assert labels(engine, 'absent(up{job="pg"})') == []
    assert labels(engine, 'absent(sum(nope{a="b"}))') == [{}]
    assert labels(engine, 'absent_over_time(nope{a="b"}[5m:1m])') == [{}]


def test_absent_cannot_say_which_of_several_series_vanished(engine: Engine) -> None:
    # Both series of up are gone after the lookback: absent reports none of their labels.
    assert labels(engine, 'absent(up{job=~"node|pg"})', 400.0) == [{}]
    assert labels(engine, "absent_over_time(up[1m])", 400.0) == [{}]
    assert labels(engine, "absent_over_time(up[10m])", 400.0) == []
