"""Prometheus' humanize functions and Go's printf, as alert templates call them."""

from __future__ import annotations

import math

import pytest

from dos.detect.templates.gofmt import printf
from dos.detect.templates.humanize import (
    humanize,
    humanize1024,
    humanize_duration,
    humanize_percentage,
)
from dos.detect.templates.values import ExpansionError


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1.0, "1"),
        (999.0, "999"),
        (1234.0, "1.234k"),
        (1234567.0, "1.235M"),
        (-2500.0, "-2.5k"),
        (0.5, "500m"),
        (0.000123, "123u"),
        (math.inf, "+Inf"),
        (math.nan, "NaN"),
        ("2048", "2.048k"),
    ],
)
def test_humanize_uses_si_prefixes(value: float | str, text: str) -> None:
    assert humanize(value) == text


def test_humanize1024_uses_binary_prefixes() -> None:
    assert humanize1024(2048.0) == "2ki"
    assert humanize1024(1.0) == "1"
    assert humanize1024(3 * 1024.0**3) == "3Gi"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0s"),
        (1.5, "1.5s"),
        (90.0, "1m 30s"),
        (3700.0, "1h 1m 40s"),
        (90061.0, "1d 1h 1m 1s"),
        (-90.0, "-1m 30s"),
        (0.25, "250ms"),
        (math.inf, "+Inf"),
    ],
)
def test_humanize_duration(seconds: float, text: str) -> None:
    assert humanize_duration(seconds) == text


def test_humanize_percentage() -> None:
    assert humanize_percentage(0.12345) == "12.35%"


def test_humanize_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ExpansionError, match="invalid syntax"):
        humanize("lots")


@pytest.mark.parametrize(
    ("fmt", "args", "text"),
    [
        ("%.2f", (3.14159,), "3.14"),
        ("%5.1f|%-6s|", (2.0, "ab"), "  2.0|ab    |"),
        ("%s is %v", ("x", 0.5), "x is 0.5"),
        ("%g", (1234567.0,), "1.234567e+06"),
        ("%.3g", (1234567.0,), "1.23e+06"),
        ("%e", (1500.0,), "1.500000e+03"),
        ("%q", ('a"b',), '"a\\"b"'),
        ("%f", (math.inf,), "+Inf"),
        ("%d", (1.5,), "%!d(float64=1.5)"),
        ("%s %s", ("only",), "only %!s(MISSING)"),
        ("%s", ("a", "b"), "a%!(EXTRA string=b)"),
        ("100%%", (), "100%"),
    ],
)
def test_printf_formats_as_go_does(fmt: str, args: tuple[float | str, ...], text: str) -> None:
    assert printf(fmt, *args) == text
