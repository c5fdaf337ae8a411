"""promtool's series notation: ``input_series`` of rule unit tests, expanded into samples.

A series is written as a selector (``http_requests_total{code="500"}``) and its values as
space-separated items, one per interval starting at time 0:

``7``, ``-2.5e3``, ``Inf``, ``NaN``
    one value (a leading ``0`` makes an integer octal, as Go's parser does: ``010`` is 8);
``_`` / ``_xN``
    one / ``N`` missing values;
``stale``
    a stale marker;
``axN``
    ``a`` repeated: ``N + 1`` values;
``a+bxN`` / ``a-bxN``
    ``N + 1`` values from ``a`` in steps of ``b`` (added one step at a time, as promtool
    does, so ``0.1+0.1x2`` is ``0.1 0.2 0.30000000000000004``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import promql_parser as pp

from dos.errors import DOSError
from dos.telemetry import STALE_NAN, Labels, labels_of
from dos.tsdb import SeriesStore

__all__ = [
    "SeriesNotationError",
    "expand_values",
    "load_series",
    "parse_series",
]

_NUMBER = r"(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][+-]?+\d*+)?+|[A-Za-z][A-Za-z0-9_]*+"
_ITEM = re.compile(
    rf"_(?:x(?P<blanks>\d+))?"
    rf"|(?P<value>[+-]?(?:{_NUMBER}))(?:(?P<step>[+-](?:{_NUMBER}))?x(?P<times>\d+))?",
    re.ASCII,
)


class SeriesNotationError(DOSError, ValueError):
    """A series or its values are not valid promtool notation."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason


def expand_values(text: str) -> list[float | None]:
    """Expand a values string into one entry per interval; ``None`` where a value is missing.

    >>> expand_values("1+1x2 _ stale")[:4]
    [1.0, 2.0, 3.0, None]
    """
    out: list[float | None] = []
    for item in text.split():
        out.extend(_expand_item(text, item))
    return out


def _expand_item(text: str, item: str) -> list[float | None]:
    match = _ITEM.fullmatch(item)
    if match is None:
        raise SeriesNotationError(
            text,
            f"cannot read {item!r}: expected a number, '_', 'stale', 'axN', 'a+bxN' or 'a-bxN'",
        )
    if match["value"] is None:
        return [None] * int(match["blanks"] or 1)
    value = _value(text, match["value"])
    if match["times"] is None:
        return [value]
    if is_stale_text(match["value"]) and match["step"] is not None:
        raise SeriesNotationError(text, f"{item!r}: a stale marker cannot be stepped")
    step = _value(text, match["step"]) if match["step"] is not None else 0.0
    values: list[float | None] = []
    for _ in range(int(match["times"]) + 1):
        values.append(value)
        value += step
    return values


def is_stale_text(value: str) -> bool:
    """Tell whether a value item is the ``stale`` keyword."""
    return value == "stale"


def _value(text: str, token: str) -> float:
    sign = -1.0 if token.startswith("-") else 1.0
    body = token.lstrip("+-")
    if body == "stale":
        if token != body:
            raise SeriesNotationError(text, f"{token!r}: a stale marker has no sign")
        return STALE_NAN
    lowered = body.lower()
    if lowered in ("inf", "nan"):
        return sign * (math.inf if lowered == "inf" else math.nan)
    if body[:1].isalpha():
        raise SeriesNotationError(text, f"{token!r}: expected a number or 'stale'")
    if re.fullmatch(r"0[0-7]+", body):
        return sign * int(body, 8)
    try:
        return sign * float(body)
    except ValueError:
        raise SeriesNotationError(text, f"{token!r}: bad number syntax") from None


def parse_series(text: str) -> Labels:
    """Read a series written as a selector with ``=`` matchers only.

    >>> parse_series('up{job="api"}')
    (('__name__', 'up'), ('job', 'api'))
    """
    try:
        tree = pp.parse(text)
    except ValueError as exc:
        raise SeriesNotationError(text, f"not a series: {exc}") from None
    if not isinstance(tree, pp.VectorSelector) or tree.offset is not None or tree.at:
        raise SeriesNotationError(text, 'expected a series such as name{label="value"}')
    labels: dict[str, str] = {}
    for m in tree.matchers.matchers:
        if str(m.op) != str(pp.MatchOp.Equal):
            raise SeriesNotationError(text, f"label {m.name!r} must be given with '='")
        labels[m.name] = m.value
    name = tree.name or labels.pop("__name__", "")
    return labels_of(name, labels)


def load_series(
    store: SeriesStore,
    series: Mapping[str, str] | Iterable[tuple[str, str]],
    interval: float,
) -> None:
    """Append every series (selector text to values text) to ``store``.

    Value ``i`` of a series is at time ``i * interval``.
    """
    pairs = series.items() if isinstance(series, Mapping) else series
    for selector, values in pairs:
        labels = parse_series(selector)
        for i, value in enumerate(expand_values(values)):
            if value is not None:
                store.append_sample(labels, i * interval, value)
