"""Element-wise functions: arithmetic, rounding, clamping, the calendar and sorting.

Each drops the metric name (``sort`` and ``sort_desc`` keep it). Where Go's ``math``
package defines a result Python's would not (``log2`` of a power of two, ``log10`` as
``ln x / ln 10``, ``round``'s ties), the Go formula is the one written here. ``exp``,
``ln`` and the trigonometric functions use the C library, which may differ from Go's in
the last bit.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from dos.promql.gomath import go_max, go_min
from dos.promql.nodes import EvalContext, expect_scalar, expect_vector
from dos.promql.values import Value, Vector

__all__ = [
    "CALENDAR",
    "ELEMENTWISE",
    "clamp",
    "clamp_max",
    "clamp_min",
    "round_",
    "sort",
    "sort_desc",
]

Array = NDArray[np.float64]
Implementation = Callable[[EvalContext, list[Value]], Value]

# Go's 1/Ln2 and 1/Ln10: exact constants rounded once (1 / math.log(10) rounds twice).
_INVERSE_LN2 = 1.4426950408889634
_INVERSE_LN10 = 0.4342944819032518


def _elementwise(fn: Callable[[Array], Array]) -> Implementation:
    """Make a function applying ``fn`` to every value and dropping the metric name."""

    def call(ctx: EvalContext, args: list[Value]) -> Value:
        """Apply the function to every element."""
        vector = expect_vector(ctx, args[0])
        return Vector(ctx.labels.drop_names(vector.labels), fn(vector.values))

    return call


def _log2(values: Array) -> Array:
    # Go: an exact power of two gives its exponent; otherwise log(frac) / ln 2 + exp.
    frac, exp = np.frexp(values)
    general = np.log(frac) * _INVERSE_LN2 + exp
    out = np.where(frac == 0.5, exp - 1.0, general)
    special = ~np.isfinite(values) | (values <= 0)
    return np.where(special, np.log2(values), out)


def _sgn(values: Array) -> Array:
    return np.where(values < 0, -1.0, np.where(values > 0, 1.0, values))


ELEMENTWISE: dict[str, Implementation] = {
    "abs": _elementwise(np.abs),
    "acos": _elementwise(np.arccos),
    "acosh": _elementwise(np.arccosh),
    "asin": _elementwise(np.arcsin),
    "asinh": _elementwise(np.arcsinh),
    "atan": _elementwise(np.arctan),
    "atanh": _elementwise(np.arctanh),
    "ceil": _elementwise(np.ceil),
    "cos": _elementwise(np.cos),
    "cosh": _elementwise(np.cosh),
    "deg": _elementwise(lambda v: v * 180 / math.pi),
    "exp": _elementwise(np.exp),
    "floor": _elementwise(np.floor),
    "ln": _elementwise(np.log),
    "log10": _elementwise(lambda v: np.log(v) * _INVERSE_LN10),
    "log2": _elementwise(_log2),
    "rad": _elementwise(lambda v: v * math.pi / 180),
    "sgn": _elementwise(_sgn),
    "sin": _elementwise(np.sin),
    "sinh": _elementwise(np.sinh),
    "sqrt": _elementwise(np.sqrt),
    "tan": _elementwise(np.tan),
    "tanh": _elementwise(np.tanh),
}
"""Functions of one instant vector applying a number function to every element."""


def clamp(ctx: EvalContext, args: list[Value]) -> Value:
    """Clamp every value into ``[low, high]``; nothing at all when ``high < low``."""
    vector = expect_vector(ctx, args[0])
    low, high = expect_scalar(ctx, args[1]), expect_scalar(ctx, args[2])
    if high < low:
        return Vector.empty()
    return Vector(ctx.labels.drop_names(vector.labels), go_max(go_min(vector.values, high), low))


def clamp_min(ctx: EvalContext, args: list[Value]) -> Value:
    """Raise every value to at least ``low``."""
    vector = expect_vector(ctx, args[0])
    low = expect_scalar(ctx, args[1])
    return Vector(ctx.labels.drop_names(vector.labels), go_max(vector.values, low))


def clamp_max(ctx: EvalContext, args: list[Value]) -> Value:
    """Lower every value to at most ``high``."""
    vector = expect_vector(ctx, args[0])
    high = expect_scalar(ctx, args[1])
    return Vector(ctx.labels.drop_names(vector.labels), go_min(vector.values, high))


def round_(ctx: EvalContext, args: list[Value]) -> Value:
    """Round every value to the nearest multiple of ``to_nearest`` (default 1), ties up."""
    vector = expect_vector(ctx, args[0])
    to_nearest = expect_scalar(ctx, args[1]) if len(args) > 1 else 1.0
    # Prometheus divides by the inverse: it causes fewer floating-point surprises.
    inverse = np.float64(1.0) / np.float64(to_nearest)
    values = np.floor(vector.values * inverse + 0.5) / inverse
    return Vector(ctx.labels.drop_names(vector.labels), values)


def sort(ctx: EvalContext, args: list[Value]) -> Value:
    """Order the elements by ascending value, NaN last."""
    return _sorted(expect_vector(ctx, args[0]), descending=False)


def sort_desc(ctx: EvalContext, args: list[Value]) -> Value:
    """Order the elements by descending value, NaN last."""
    return _sorted(expect_vector(ctx, args[0]), descending=True)


def _sorted(vector: Vector, *, descending: bool) -> Vector:
    values = vector.values
    keys = -values if descending else values
    order = np.argsort(keys, kind="stable")  # NaN sorts last
    return Vector([vector.labels[i] for i in order.tolist()], values[order])


def _calendar(field: Callable[[datetime], float]) -> Implementation:
    """Make a date function: of each value as Unix seconds, or of the evaluation time."""

    def call(ctx: EvalContext, args: list[Value]) -> Value:
        """Read the calendar field of each time."""
        if not args:
            return Vector([()], np.array([field(_utc(math.trunc(ctx.time)))]))
        vector = expect_vector(ctx, args[0])
        values = [field(_utc(_go_int(v))) for v in vector.values.tolist()]
        return Vector(ctx.labels.drop_names(vector.labels), np.array(values, dtype=np.float64))

    return call


def _go_int(value: float) -> int:
    # Go converts NaN and out-of-range floats to the smallest int64 on amd64.
    if math.isnan(value) or not -(2.0**63) <= value < 2.0**63:
        return -(2**63)
    return math.trunc(value)


def _utc(seconds: int) -> datetime:
    # Beyond the years Python can hold, clamp: Go's calendar goes further.
    bounded = min(max(seconds, -62135596800), 253402300799)
    return datetime.fromtimestamp(bounded, UTC)


CALENDAR: dict[str, Implementation] = {
    "day_of_month": _calendar(lambda d: float(d.day)),
    "day_of_week": _calendar(lambda d: float(d.isoweekday() % 7)),
    "day_of_year": _calendar(lambda d: float(d.timetuple().tm_yday)),
    "days_in_month": _calendar(lambda d: float(calendar.monthrange(d.year, d.month)[1])),
    "hour": _calendar(lambda d: float(d.hour)),
    "minute": _calendar(lambda d: float(d.minute)),
    "month": _calendar(lambda d: float(d.month)),
    "year": _calendar(lambda d: float(d.year)),
}
"""The calendar functions, in UTC, of a vector of Unix times (default: ``vector(time())``)."""
