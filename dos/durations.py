"""Durations written as Prometheus writes them (``90s``, ``5m``, ``1h30m``)."""

from __future__ import annotations

import math
import re

from dos.errors import ConfigError

__all__ = ["format_duration", "parse_duration"]

_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31536000.0,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")


def parse_duration(value: str | float | int, key: str = "duration") -> float:
    """Return ``value`` in seconds; numbers are taken as seconds already.

    >>> parse_duration("1h30m")
    5400.0
    >>> parse_duration("500ms")
    0.5
    """
    if isinstance(value, bool):
        raise ConfigError(key, value, "a duration such as '90s', '5m' or '1h30m'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip()
        if text.startswith("-"):
            raise ConfigError(key, value, "a duration of zero or more")
        if text == "0":
            return 0.0
        parts = _PART.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            raise ConfigError(key, value, "a duration such as '90s', '5m' or '1h30m'")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not math.isfinite(seconds):
        raise ConfigError(key, value, "a finite duration such as '90s', '5m' or '1h30m'")
    if seconds < 0:
        raise ConfigError(key, value, "a duration of zero or more")
    return seconds


def format_duration(seconds: float) -> str:
    """Write ``seconds`` compactly, as Prometheus does (``330`` -> ``5m30s``).

    >>> format_duration(330)
    '5m30s'
    """
    if seconds == 0:
        return "0s"
    out = []
    rest = round(seconds * 1000)
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, rest = divmod(rest, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
