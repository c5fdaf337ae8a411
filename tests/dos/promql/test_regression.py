"""deriv, predict_linear and holt_winters: least squares and smoothing, worked by hand."""

from __future__ import annotations

import math

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


def engine_with(values: list[float], step: float = 60.0) -> Engine:
    store = SeriesStore()
    for i, v in enumerate(values):
        store.append_sample(labels_of("x", job="a"), step * i, v)
    return Engine(store)


def value(engine: Engine, expr: str, t: float) -> float:
    [sample] = engine.instant(expr, t)
    assert "__name__" not in sample.labels
    return sample.value


def test_deriv_of_a_line_is_its_slope_per_second() -> None:
    engine = engine_with([3.0 * i for i in range(11)])  # 3 per minute
    assert value(engine, "deriv(x[5m])", 600.0) == 0.05


def test_deriv_fits_least_squares_through_noise() -> None:
    # Points (0, 1), (60, 2), (120, 6): slope = cov / var = (120 * 5 / 2) / (60**2 * 2).
    engine = engine_with([1.0, 2.0, 6.0])
    assert value(engine, "deriv(x[2m])", 120.0) == pytest.approx(300 / 7200, rel=1e-15)


def test_a_constant_window_has_slope_zero_unless_it_is_infinite() -> None:
    assert value(engine_with([4.0, 4.0, 4.0]), "deriv(x[5m])", 120.0) == 0.0
    assert math.isnan(value(engine_with([math.inf] * 3), "deriv(x[5m])", 120.0))


def test_deriv_needs_two_samples() -> None:
    assert engine_with([1.0]).instant("deriv(x[5m])", 0.0) == []


def test_predict_linear_extends_the_line_from_the_evaluation_time() -> None:
    engine = engine_with([3.0 * i for i in range(11)])
    # The line is 3 per minute through (0, 0); at 10m it reads 30, 5 minutes later 45.
    assert value(engine, "predict_linear(x[5m], 300)", 600.0) == pytest.approx(45.0, rel=1e-15)
    # Evaluated 30 s after the last sample, the intercept moves with the evaluation time.
    assert value(engine, "predict_linear(x[5m], 0)", 630.0) == pytest.approx(31.5, rel=1e-15)


def test_holt_winters_smooths_level_and_trend() -> None:
    # sf = tf = 0.5 over 1, 3, 4: level 1, trend 2; then level 0.5*3 + 0.5*(1+2) = 3,
    # trend 0.5*(3-1) + 0.5*2 = 2; level 0.5*4 + 0.5*(3+2) = 4.5.
    engine = engine_with([1.0, 3.0, 4.0])
    assert value(engine, "holt_winters(x[5m], 0.5, 0.5)", 120.0) == 4.5


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            "holt_winters(x[5m], 1, 0.5)",
            r"invalid smoothing factor. Expected: 0 < sf < 1, got: 1\.0",
        ),
        ("holt_winters(x[5m], 0.5, 0)", r"invalid trend factor. Expected: 0 < tf < 1, got: 0\.0"),
    ],
)
def test_holt_winters_factors_must_lie_between_0_and_1(expr: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        engine_with([1.0, 2.0]).instant(expr, 60.0)
