"""Go's float behaviour, reproduced: pow, max/min, float parsing and printing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dos.promql.gomath import format_float, format_g, go_div, go_max, go_min, go_pow, parse_float

INF = math.inf


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (math.nan, 0.0, 1.0),
        (1.0, math.nan, 1.0),
        (2.0, 1.0, 2.0),
        (-0.0, -3.0, -INF),
        (-0.0, -2.0, INF),
        (-0.0, 3.0, -0.0),
        (0.0, 2.5, 0.0),
        (-1.0, INF, 1.0),
        (0.5, INF, 0.0),
        (2.0, -INF, 0.0),
        (-INF, 3.0, -INF),
        (-INF, -2.0, 0.0),
        (INF, -1.0, 0.0),
        (4.0, 0.5, 2.0),
        (4.0, -0.5, 0.5),
        (-8.0, 1 / 3, math.nan),
        (2.0, 10.0, 1024.0),
        (10.0, -2.0, 0.01),
        (1.5, 1e300, INF),
    ],
)
def test_go_pow_special_cases(x: float, y: float, expected: float) -> None:
    got = go_pow(x, y)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected
        assert math.copysign(1, got) == math.copysign(1, expected)


def test_go_pow_of_an_integer_power_multiplies_by_squaring() -> None:
    # Go computes 1.1 ** 3 as 1.1 * (1.1 * 1.1) on the mantissa, one rounding per step.
    assert go_pow(1.1, 3.0) == 1.1 * (1.1 * 1.1)


def test_go_max_and_min_decide_zero_signs_and_infinities_as_go_does() -> None:
    values = np.array([-0.0, 0.0, math.nan, INF, -INF])
    assert np.signbit(go_max(values, -0.0)).tolist() == [True, False, False, False, True]
    assert np.signbit(go_min(values, 0.0)).tolist() == [True, False, False, False, True]
    assert go_max(np.array([math.nan]), INF).tolist() == [INF]
    assert go_min(np.array([math.nan]), -INF).tolist() == [-INF]
    assert math.isnan(go_max(np.array([math.nan]), 1.0)[0])


def test_go_div_by_zero_is_infinite_or_nan() -> None:
    assert go_div(1.0, 0.0) == INF
    assert go_div(1.0, -0.0) == -INF
    assert math.isnan(go_div(0.0, 0.0))
    assert go_div(3.0, 2.0) == 1.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1.0),
        ("+Inf", INF),
        ("-inf", -INF),
        ("Infinity", INF),
        ("0.25", 0.25),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("0x1p-2", 0.25),
        ("1_000", 1000.0),
        (" 1", None),
        ("1e999", None),
        ("+NaN", None),
        ("0x1", None),
        ("1__0", None),
        ("٣", None),
        ("", None),
    ],
)
def test_parse_float_accepts_what_go_accepts(text: str, expected: float | None) -> None:
    assert parse_float(text) == expected


def test_parse_float_reads_nan() -> None:
    parsed = parse_float("NaN")
    assert parsed is not None
    assert math.isnan(parsed)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.5, "1.5"),
        (100.0, "100"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1e21, "1e+21"),
        (-2.5e-7, "-2.5e-07"),
        (INF, "+Inf"),
        (math.nan, "NaN"),
    ],
)
def test_format_float_prints_as_go_prints_a_float64(value: float, text: str) -> None:
    assert format_float(value) == text


def test_format_g_names_infinities_as_go_does() -> None:
    assert format_g(1234567.0, 4) == "1.235e+06"
    assert format_g(-INF, 4) == "-Inf"
