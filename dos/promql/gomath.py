"""Go's floating-point behaviour where PromQL inherits it and Python differs.

Prometheus is written in Go, so its ``math.Pow``, ``math.Max``, ``strconv.ParseFloat`` and
``fmt`` printing define PromQL's results; these helpers reproduce them.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "format_fixed",
    "format_float",
    "format_g",
    "go_div",
    "go_max",
    "go_min",
    "go_pow",
    "parse_float",
]

# strconv.ParseFloat's grammar: decimal with optional exponent, or hex with a 'p' exponent;
# underscores only between digits.
_DIGITS = r"\d(?:_?\d)*"
_HEX_DIGITS = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_DECIMAL = re.compile(
    rf"[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?", re.ASCII
)
_HEX = re.compile(
    rf"[+-]?0[xX](?:{_HEX_DIGITS}(?:\.(?:{_HEX_DIGITS})?)?|\.{_HEX_DIGITS})[pP][+-]?{_DIGITS}",
    re.ASCII,
)


def parse_float(text: str) -> float | None:
    """Parse ``text`` as Go's ``strconv.ParseFloat`` does; ``None`` where Go errors.

    Out-of-range values are errors in Go (they round to infinity only with an error).

    >>> parse_float("+Inf"), parse_float("0x1p-2"), parse_float(" 1"), parse_float("1e999")
    (inf, 0.25, None, None)
    """
    lowered = text.lower()
    if lowered == "nan":
        return math.nan
    unsigned = lowered[1:] if lowered.startswith(("+", "-")) else lowered
    if unsigned in ("inf", "infinity"):
        return -math.inf if lowered.startswith("-") else math.inf
    if _DECIMAL.fullmatch(text):
        value = float(text.replace("_", ""))
    elif _HEX.fullmatch(text):
        value = float.fromhex(text.replace("_", ""))
    else:
        return None
    return None if math.isinf(value) else value


def go_div(a: float, b: float) -> float:
    """Divide as IEEE 754 (and Go) do: by zero gives an infinity or NaN, never an error."""
    if b != 0:
        return a / b
    if a != a or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def go_pow(x: float, y: float) -> float:
    """Return ``x ** y`` as Go's ``math.Pow`` computes it, special cases included.

    Integer exponents are computed by Go's repeated squaring, bit for bit; a fractional
    exponent's share goes through ``exp``/``log`` and may differ from Go in the last place.
    """
    special = _pow_special(x, y)
    if special is not None:
        return special
    yf, yi = math.modf(abs(y))
    if yf != 0 and x < 0:
        return math.nan
    if yi >= 2.0**63:
        if x == -1:
            return 1.0
        return 0.0 if (abs(x) < 1) == (y > 0) else math.inf
    a1 = 1.0
    if yf != 0:
        if yf > 0.5:
            yf -= 1
            yi += 1
        a1 = _exp(yf * math.log(x))
    a1, ae = _times_power(a1, x, int(yi))
    if y < 0:
        a1 = 1 / a1
        ae = -ae
    return _ldexp(a1, ae)


def _times_power(a1: float, x: float, n: int) -> tuple[float, int]:
    """Multiply ``a1`` by ``x ** n`` as a mantissa and a binary exponent, squaring as Go does."""
    ae = 0
    x1, xe = math.frexp(x)
    while n != 0:
        if xe < -(1 << 12) or xe > (1 << 12):
            # Catastrophic overflow or underflow: let ldexp saturate it.
            ae += xe
            break
        if n & 1:
            a1 *= x1
            ae += xe
        x1 *= x1
        xe <<= 1
        if x1 < 0.5:
            x1 += x1
            xe -= 1
        n >>= 1
    return a1, ae


def _pow_special(x: float, y: float) -> float | None:
    if y == 0 or x == 1:
        return 1.0
    if y == 1:
        return x
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x == 0:
        odd = _is_odd_int(y)
        if y < 0:
            return -math.inf if math.copysign(1, x) < 0 and odd else math.inf
        return x if math.copysign(1, x) < 0 and odd else 0.0
    if math.isinf(y):
        if x == -1:
            return 1.0
        return 0.0 if (abs(x) < 1) == (y > 0) else math.inf
    if math.isinf(x):
        if x < 0:
            return go_pow(1 / x, -y)
        return 0.0 if y < 0 else math.inf
    if y == 0.5:
        return math.sqrt(x) if x > 0 else math.nan
    if y == -0.5:
        return 1 / math.sqrt(x) if x > 0 else math.nan
    return None


def _is_odd_int(y: float) -> bool:
    if abs(y) >= 2.0**53:
        return False
    fraction, whole = math.modf(y)
    return fraction == 0 and int(whole) % 2 == 1


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _ldexp(mantissa: float, exponent: int) -> float:
    try:
        return math.ldexp(mantissa, exponent)
    except OverflowError:
        return math.copysign(math.inf, mantissa)


def go_max(a: NDArray[np.float64], b: float) -> NDArray[np.float64]:
    """Apply Go's ``math.Max(b, a[i])``: +Inf wins, then NaN, and +0 beats -0."""
    out = np.maximum(a, b)
    out[(a == math.inf) | (b == math.inf)] = math.inf
    _fix_zero_signs(out, a, b, negative_if_both=True)
    return out


def go_min(a: NDArray[np.float64], b: float) -> NDArray[np.float64]:
    """Apply Go's ``math.Min(b, a[i])``: -Inf wins, then NaN, and -0 beats +0."""
    out = np.minimum(a, b)
    out[(a == -math.inf) | (b == -math.inf)] = -math.inf
    _fix_zero_signs(out, a, b, negative_if_both=False)
    return out


def _fix_zero_signs(
    out: NDArray[np.float64], a: NDArray[np.float64], b: float, *, negative_if_both: bool
) -> None:
    # numpy returns either zero when comparing +0 with -0; Go decides by the sign bits.
    zero = (out == 0) & (b == 0)
    if not zero.any():
        return
    a_negative = np.signbit(a[zero])
    b_negative = math.copysign(1, b) < 0
    negative = (a_negative & b_negative) if negative_if_both else (a_negative | b_negative)
    out[zero] = np.where(negative, -0.0, 0.0)


def format_float(value: float) -> str:
    """Write ``value`` as Go's ``%v`` does (shortest digits, exponent from 1e+06 and 1e-05).

    >>> format_float(1234567.0), format_float(0.5), format_float(-math.inf)
    ('1.234567e+06', '0.5', '-Inf')
    """
    special = _special_name(value)
    if special is not None:
        return special
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    assert isinstance(exponent, int)  # finite, checked above
    point = len(digits) + exponent  # the decimal point sits after this many digits
    prefix = "-" if sign else ""
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{point - 1:+03d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return f"{prefix}{text}{'0' * (point - len(text))}"
    return f"{prefix}{text[:point]}.{text[point:]}"


def format_fixed(value: float) -> str:
    """Write ``value`` as Go's ``strconv.FormatFloat(value, 'f', -1, 64)`` does.

    >>> format_fixed(1e20), format_fixed(2.5e-7), format_fixed(-0.0), format_fixed(math.inf)
    ('100000000000000000000', '0.00000025', '-0', '+Inf')
    """
    special = _special_name(value)
    if special is not None:
        return special
    return format(Decimal(repr(value)).normalize(), "f")


def format_g(value: float, precision: int) -> str:
    """Write ``value`` as Go's ``%.<precision>g`` does."""
    special = _special_name(value)
    return special if special is not None else f"{value:.{precision}g}"


def _special_name(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return None
