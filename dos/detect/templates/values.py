"""The values a template works with, and how Go prints, compares and tests them.

Templates see Go values; here they are Python ones: ``str``, ``int`` (an integer literal),
``float``, ``bool``, ``None`` (Go's nil), label maps (``Mapping[str, str]``), lists (a
``query`` result), :class:`QuerySample` (one element of it) and :class:`GoTime` (what
``toTime`` returns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from dos.promql.gomath import format_float

__all__ = [
    "ExpansionError",
    "GoTime",
    "QuerySample",
    "go_string",
    "go_type",
    "is_true",
]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ExpansionError(Exception):
    """A template failed while it was expanded (it renders as Prometheus' error text)."""


@dataclass(frozen=True, slots=True)
class QuerySample:
    """One series of a ``query`` result: its labels (with ``__name__``) and its value."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class GoTime:
    """A UTC instant at millisecond resolution, printed as Go prints a ``time.Time``."""

    millis: int

    def __str__(self) -> str:
        seconds, millis = divmod(self.millis, 1000)
        try:
            moment = _EPOCH + dt.timedelta(seconds=seconds)
        except OverflowError:
            raise ExpansionError(f"time {self.millis} ms is out of range") from None
        fraction = f".{millis:03d}".rstrip("0").rstrip(".")
        return f"{moment:%Y-%m-%d %H:%M:%S}{fraction} +0000 UTC"


def go_type(value: object) -> str:
    """Name ``value``'s Go type, as Go's error messages do."""
    names = {str: "string", bool: "bool", int: "int", float: "float64"}
    if type(value) in names:
        return names[type(value)]
    if value is None:
        return "<nil>"
    if isinstance(value, QuerySample):
        return "*template.sample"
    if isinstance(value, GoTime):
        return "*time.Time"
    if isinstance(value, list):
        return "template.queryResult"
    return "map[string]string"


def go_string(value: object) -> str:
    """Print ``value`` as Go's ``fmt.Sprint`` does."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if value is None:
        return "<nil>"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_string(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, QuerySample):
        return f"&{{{go_string(value.labels)} {go_string(value.value)}}}"
    if isinstance(value, list):
        return "[" + " ".join(go_string(v) for v in value) + "]"
    return str(value)


def is_true(value: object) -> bool:
    """Tell whether ``if`` takes ``value`` as true: Go's zero values and empties are false."""
    if value is None:
        return False
    if isinstance(value, bool | int | float):
        return value != 0
    if isinstance(value, str | Mapping | list):
        return len(value) > 0
    return True
