"""promtool's series notation, expanded into samples."""

from __future__ import annotations

import math

import pytest

from dos.detect.promtool_series import (
    SeriesNotationError,
    expand_values,
    load_series,
    parse_series,
)
from dos.telemetry import is_stale, labels_of
from dos.tsdb import SeriesStore


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 2 3", [1.0, 2.0, 3.0]),
        ("1+2x3", [1.0, 3.0, 5.0, 7.0]),
        ("10-3x2", [10.0, 7.0, 4.0]),
        ("-1+1x2", [-1.0, 0.0, 1.0]),
        ("5x2", [5.0, 5.0, 5.0]),
        ("_ 1 _x2 2", [None, 1.0, None, None, 2.0]),
        ("1e3 .5 010 08", [1000.0, 0.5, 8.0, 8.0]),
        ("Inf -Inf", [math.inf, -math.inf]),
        ("0.1+0.1x2", [0.1, 0.2, 0.1 + 0.1 + 0.1]),
        ("", []),
    ],
)
def test_values_expand_as_promtool_expands_them(text: str, expected: list[float | None]) -> None:
    assert expand_values(text) == expected


def test_nan_and_stale_are_different_nans() -> None:
    nan, stale = expand_values("NaN stale")
    assert nan is not None
    assert math.isnan(nan)
    assert not is_stale(nan)
    assert stale is not None
    assert is_stale(stale)


@pytest.mark.parametrize(
    "text", ["1x", "x3", "1+x3", "abc", "1a", "1_000", "stalex3", "+", "0x10a"]
)
def test_bad_items_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(SeriesNotationError, match=r"cannot read|expected|bad number"):
        expand_values(text)


def test_series_are_read_as_selectors() -> None:
    assert parse_series('up{job="api", code="5\\"00"}') == labels_of("up", job="api", code='5"00')
    assert parse_series('{__name__="up", a="b"}') == labels_of("up", a="b")


@pytest.mark.parametrize("text", ['up{job=~"a"}', "up offset 1m", "rate(up[1m])", "up{"])
def test_a_series_must_be_a_plain_selector(text: str) -> None:
    with pytest.raises(SeriesNotationError):
        parse_series(text)


def test_load_series_places_value_i_at_i_intervals() -> None:
    store = SeriesStore()
    load_series(store, {'up{job="a"}': "1 _ 3", "down": "stale"}, interval=15.0)
    up = store.get(labels_of("up", job="a"))
    assert up is not None
    assert up.timestamps.tolist() == [0.0, 30.0]
    assert up.values.tolist() == [1.0, 3.0]
    assert store.sample_count == 3
