"""Durations as Prometheus reads and writes them in rule and test files, and as Go prints them.

Prometheus' ``model.Duration`` is whole numbers of units, largest first (``1h30m``,
``2m59s999ms``, ``0``), at millisecond resolution; Go's ``time.Duration`` prints as
``1m30s`` or ``1h0m0s``. Both appear in promtool's messages.
"""

from __future__ import annotations

import re

__all__ = ["format_go_duration", "format_model_duration", "parse_model_duration"]

_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_UNIT_MILLIS = (31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1000, 1)
_UNIT_NAMES = ("y", "w", "d", "h", "m", "s", "ms")


def parse_model_duration(text: str) -> float | None:
    """Return ``text`` in seconds, read as Prometheus does (``1h30m``, ``0``); ``None`` if bad.

    >>> parse_model_duration("1h30m"), parse_model_duration("1.5m")
    (5400.0, None)
    """
    if text == "0":
        return 0.0
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    millis = sum(int(n) * unit for n, unit in zip(match.groups(), _UNIT_MILLIS, strict=True) if n)
    return millis / 1000


def format_model_duration(seconds: float) -> str:
    """Write a duration as Prometheus' ``model.Duration`` does (``90s`` -> ``1m30s``).

    Years and weeks are used only when they divide the whole duration, as in Prometheus.

    >>> format_model_duration(90), format_model_duration(86400 * 14), format_model_duration(0)
    ('1m30s', '2w', '0s')
    """
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    out = []
    for index, (unit, name) in enumerate(zip(_UNIT_MILLIS, _UNIT_NAMES, strict=True)):
        if index < 2 and millis % unit:
            continue
        count, millis = divmod(millis, unit)
        if count:
            out.append(f"{count}{name}")
    return "".join(out)


def format_go_duration(seconds: float) -> str:
    """Write a duration as Go's ``time.Duration`` does (``60`` -> ``1m0s``).

    >>> format_go_duration(60), format_go_duration(3600), format_go_duration(0.5)
    ('1m0s', '1h0m0s', '500ms')
    """
    nanos = round(seconds * 1e9)
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1000), ("ns", 1)):
            if nanos >= size or unit == "ns":
                return f"{sign}{_fraction(nanos, size)}{unit}"
    whole_seconds, rest = divmod(nanos, 1_000_000_000)
    minutes, secs = divmod(whole_seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = _fraction(secs * 1_000_000_000 + rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _fraction(value: int, size: int) -> str:
    whole, rest = divmod(value, size)
    if not rest:
        return str(whole)
    digits = len(str(size)) - 1
    return f"{whole}." + f"{rest:0{digits}d}".rstrip("0")
