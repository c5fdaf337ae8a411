from __future__ import annotations

import pytest

from dos.alerting.matchers import (
    format_matchers,
    matchers_from_config,
    matches_all,
    parse_matcher,
    parse_matchers,
)
from dos.errors import ConfigError
from dos.tsdb import MatchOp


def test_a_matcher_reads_each_operator_with_or_without_quotes_and_spaces() -> None:
    parsed = [parse_matcher(t) for t in ('a="b"', "a != b", 'a=~"b.*"', " a !~ b|c ")]
    assert [(m.name, m.op, m.value) for m in parsed] == [
        ("a", MatchOp.EQUAL, "b"),
        ("a", MatchOp.NOT_EQUAL, "b"),
        ("a", MatchOp.REGEX, "b.*"),
        ("a", MatchOp.NOT_REGEX, "b|c"),
    ]


def test_quoted_values_undo_their_escapes_and_keep_unknown_ones() -> None:
    assert parse_matcher(r'msg="say \"hi\"\n"').value == 'say "hi"\n'
    assert parse_matcher(r'path="C:\\tmp"').value == "C:\\tmp"
    assert parse_matcher(r'x="\d+"').value == "\\d+"


def test_a_list_splits_on_commas_outside_quotes_inside_optional_braces() -> None:
    matchers = parse_matchers('{service="a,b", severity=~"warning|critical",}')
    assert [(m.name, m.value) for m in matchers] == [
        ("service", "a,b"),
        ("severity", "warning|critical"),
    ]
    assert parse_matchers("team=ops") == parse_matchers('{team="ops"}')


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("service", "a matcher such as"),
        ('9lives="x"', "a matcher such as"),
        ('a="unterminated', "opening double quote is closed"),
        ('a="b"c"', "inner double quotes escaped"),
        ('a=b"c', "inner double quotes escaped"),
        ('a="ends in escaped quote\\"', "opening double quote is closed"),
        ('a=~"("', "a valid regular expression"),
    ],
)
def test_a_bad_matcher_is_refused_naming_its_key_and_text(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as caught:
        parse_matchers(text, "route.matchers[0]")
    assert caught.value.key == "route.matchers[0]"
    assert caught.value.value == text


def test_regexes_are_anchored_and_a_missing_label_is_the_empty_string() -> None:
    assert matches_all(parse_matchers('service=~"front"'), {"service": "frontend"}) is False
    assert matches_all(parse_matchers('service=~"front.*"'), {"service": "frontend"}) is True
    assert matches_all(parse_matchers('team!="ops"'), {}) is True
    assert matches_all(parse_matchers('team=""'), {}) is True
    assert matches_all(parse_matchers('team=~".+"'), {}) is False


def test_config_matchers_are_merged_and_sorted_by_name_then_value() -> None:
    matchers = matchers_from_config(
        {"severity": "page"}, {"service": "front.*"}, ['alertname="X", severity="info"'], "r"
    )
    assert format_matchers(matchers) == (
        '{alertname="X",service=~"front.*",severity="info",severity="page"}'
    )


def test_a_bad_label_name_or_regex_in_match_blocks_is_refused_with_its_key() -> None:
    with pytest.raises(ConfigError, match=r"route\.match\.1x: got '1x'"):
        matchers_from_config({"1x": "y"}, {}, [], "route")
    with pytest.raises(ConfigError, match=r"route\.match_re\.service: got '\['"):
        matchers_from_config({}, {"service": "["}, [], "route")
