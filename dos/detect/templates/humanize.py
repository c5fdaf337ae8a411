"""Prometheus' ``humanize*`` template functions, and the number and time conversions."""

from __future__ import annotations

import math

from dos.detect.templates.values import ExpansionError, GoTime, go_type
from dos.promql.gomath import format_g, parse_float

__all__ = [
    "humanize",
    "humanize1024",
    "humanize_duration",
    "humanize_percentage",
    "humanize_timestamp",
    "to_float",
    "to_time",
]

_LARGE = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_SMALL = ("m", "u", "n", "p", "f", "a", "z", "y")
_BINARY = ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")
# The nanosecond timestamps Go can hold (int64).
_MAX_NANOS = 2.0**63


def to_float(value: object) -> float:
    """Convert an argument as Prometheus' templates do: numbers as they are, strings parsed."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        parsed = parse_float(value)
        if parsed is None:
            raise ExpansionError(f'strconv.ParseFloat: parsing "{value}": invalid syntax')
        return parsed
    raise ExpansionError(f"can't convert {go_type(value)} to float")


def humanize(value: object) -> str:
    """Scale by powers of 1000 with an SI prefix: ``1234567`` -> ``1.235M``."""
    v = to_float(value)
    if v == 0 or not math.isfinite(v):
        return format_g(v, 4)
    prefix = ""
    if abs(v) >= 1:
        for p in _LARGE:
            if abs(v) < 1000:
                break
            prefix = p
            v /= 1000
        return format_g(v, 4) + prefix
    for p in _SMALL:
        if abs(v) >= 1:
            break
        prefix = p
        v *= 1000
    return format_g(v, 4) + prefix


def humanize1024(value: object) -> str:
    """Scale by powers of 1024 with a binary prefix: ``2048`` -> ``2ki``."""
    v = to_float(value)
    if abs(v) <= 1 or not math.isfinite(v):
        return format_g(v, 4)
    prefix = ""
    for p in _BINARY:
        if abs(v) < 1024:
            break
        prefix = p
        v /= 1024
    return format_g(v, 4) + prefix


def humanize_duration(value: object) -> str:
    """Write seconds as days, hours, minutes and seconds: ``90`` -> ``1m 30s``."""
    v = to_float(value)
    if not math.isfinite(v):
        return format_g(v, 4)
    if v == 0:
        return format_g(v, 4) + "s"
    if abs(v) >= 1:
        sign = "-" if v < 0 else ""
        v = abs(v)
        whole = int(v)
        seconds, minutes = whole % 60, whole // 60 % 60
        hours, days = whole // 3600 % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{format_g(v, 4)}s"
    prefix = ""
    for p in _SMALL:
        if abs(v) >= 1:
            break
        prefix = p
        v *= 1000
    return f"{format_g(v, 4)}{prefix}s"


def humanize_percentage(value: object) -> str:
    """Write a ratio as a percentage: ``0.1234`` -> ``12.34%``."""
    return format_g(to_float(value) * 100, 4) + "%"


def humanize_timestamp(value: object) -> str:
    """Write seconds since the epoch as a UTC time: ``0`` -> ``1970-01-01 00:00:00 +0000 UTC``."""
    v = to_float(value)
    if not math.isfinite(v):
        return format_g(v, 4)
    return str(to_time(v))


def to_time(value: object) -> GoTime:
    """Turn seconds since the epoch into a time, at Prometheus' millisecond resolution."""
    v = to_float(value)
    if not math.isfinite(v):
        raise ExpansionError("value is NaN or Inf")
    nanos = v * 1e9
    if not -_MAX_NANOS <= nanos < _MAX_NANOS:
        raise ExpansionError(
            f"{v} cannot be represented as a nanoseconds timestamp since it overflows int64"
        )
    # Go truncates to whole nanoseconds, then to whole milliseconds, both towards zero.
    whole = int(nanos)
    millis = abs(whole) // 1_000_000
    return GoTime(millis if whole >= 0 else -millis)
