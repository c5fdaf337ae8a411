"""The functions a template may call: Prometheus' template functions and Go's built-ins.

Each takes the template's data first (``query`` and the URL functions need it) and then
its arguments; a failure raises :class:`~dos.detect.templates.values.ExpansionError`,
which expands to Prometheus' error text. ``and`` and ``or`` are evaluated lazily by the
executor, as Go does.
"""

from __future__ import annotations

import html
import operator
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from dos.detect.modelduration import parse_model_duration
from dos.detect.templates import gofmt
from dos.detect.templates import humanize as h
from dos.detect.templates.values import ExpansionError, QuerySample, go_type, is_true

__all__ = ["FUNCTIONS", "UNSUPPORTED", "Function", "TemplateContext"]

# Go built-ins this engine does not provide: refused when a template is compiled.
UNSUPPORTED = ("call", "js", "slice")


class TemplateContext(Protocol):
    """What the functions need from the template's data."""

    @property
    def external_url(self) -> str:
        """The external URL, as ``$externalURL`` shows it."""

    def run_query(self, expr: str) -> list[QuerySample]:
        """Evaluate ``expr`` at the alert's evaluation time."""


@dataclass(frozen=True, slots=True)
class Function:
    """A template function: what it does and how many arguments it takes (None: any)."""

    call: Callable[..., object]
    arity: int | None


def _plain(fn: Callable[..., object]) -> Callable[..., object]:
    """Adapt a function that does not need the template's context."""

    def call(context: TemplateContext, *args: object) -> object:
        return fn(*args)

    return call


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ExpansionError(f"wrong type for value; expected string; got {go_type(value)}")
    return value


def _sample(value: object) -> QuerySample:
    if not isinstance(value, QuerySample):
        raise ExpansionError(
            f"wrong type for value; expected *template.sample; got {go_type(value)}"
        )
    return value


def _samples(value: object) -> list[QuerySample]:
    if not isinstance(value, list):
        raise ExpansionError(
            f"wrong type for value; expected template.queryResult; got {go_type(value)}"
        )
    return value


def _query(context: TemplateContext, expr: object) -> list[QuerySample]:
    return context.run_query(_string(expr))


def _first(result: object) -> QuerySample:
    samples = _samples(result)
    if not samples:
        raise ExpansionError("first() called on vector with no elements")
    return samples[0]


def _sort_by_label(label: object, result: object) -> list[QuerySample]:
    name = _string(label)
    return sorted(_samples(result), key=lambda s: s.labels.get(name, ""))


def _regex(pattern: object) -> re.Pattern[str]:
    text = _string(pattern)
    try:
        return re.compile(text)
    except re.error as exc:
        raise ExpansionError(f"regexp: Compile({gofmt.go_quote(text)}): {exc}") from None


def _expand(match: re.Match[str], template: str) -> str:
    """Expand ``$1``, ``${name}`` and ``$$`` in a replacement as Go's ``Regexp.Expand`` does."""

    def group(ref: re.Match[str]) -> str:
        if ref.group(0) == "$$":
            return "$"
        name = ref.group(1) or ref.group(2)
        try:
            return match.group(int(name) if name.isdigit() else name) or ""
        except IndexError:
            return ""  # Go expands a group that does not exist to nothing

    return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", group, template)


def _re_replace_all(pattern: object, replacement: object, text: object) -> str:
    repl = _string(replacement)
    return _regex(pattern).sub(lambda m: _expand(m, repl), _string(text))


def _match(pattern: object, text: object) -> bool:
    return _regex(pattern).search(_string(text)) is not None


def _title(text: object) -> str:
    return re.sub(r"\b\w", lambda m: m.group(0).upper(), _string(text))


def _split_host_port(text: str) -> tuple[str, str] | None:
    """Split ``host:port`` as Go's ``net.SplitHostPort`` does; None where Go errors."""
    match = re.fullmatch(r"\[([^\]]*)\]:([^:]*)|([^:\[\]]*):([^:\[\]]*)", text)
    if match is None:
        return None
    host = match.group(1) if match.group(1) is not None else match.group(3)
    port = match.group(2) if match.group(2) is not None else match.group(4)
    return host, port


def _strip_port(text: object) -> str:
    value = _string(text)
    split = _split_host_port(value)
    return split[0] if split is not None else value


def _strip_domain(text: object) -> str:
    value = _string(text)
    host, port = _split_host_port(value) or (value, "")
    if re.fullmatch(r"[\d.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*", host):
        return value  # an IP address has no domain to strip
    host = host.split(".")[0]
    return f"{host}:{port}" if port else host


def _link(tab: int) -> Callable[[object], str]:
    def link(expr: object) -> str:
        query = urllib.parse.quote_plus(_string(expr))
        return f"/graph?g0.expr={query}&g0.tab={tab}"

    return link


def _parse_duration(text: object) -> float:
    value = _string(text)
    seconds = parse_model_duration(value)
    if seconds is None:
        raise ExpansionError(f'not a valid duration string: "{value}"')
    return seconds


def _args(*values: object) -> dict[str, object]:
    return {f"arg{i}": v for i, v in enumerate(values)}


def _basic(value: object) -> str | None:
    """Go's basic kind of a value, or None for maps, lists and the like."""
    if value is None:
        return "nil"
    return {bool: "bool", int: "int", float: "float", str: "string"}.get(type(value))


def _comparable(a: object, b: object) -> None:
    kind_a, kind_b = _basic(a), _basic(b)
    if kind_a is None or kind_b is None:
        raise ExpansionError("invalid type for comparison")
    if kind_a != kind_b:
        raise ExpansionError("incompatible types for comparison")


def _eq(first: object, *others: object) -> bool:
    if not others:
        raise ExpansionError("missing argument for comparison")
    for other in others:
        _comparable(first, other)
        if first == other:
            return True
    return False


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[object, object], bool]:
    def compare(a: object, b: object) -> bool:
        _comparable(a, b)
        if isinstance(a, bool) or a is None:
            raise ExpansionError("invalid type for comparison")
        return op(a, b)

    return compare


def _len(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, list | Mapping):
        return len(value)
    raise ExpansionError(f"len of type {go_type(value)}")


def _index(item: object, *keys: object) -> object:
    for key in keys:
        if isinstance(item, Mapping):
            item = item.get(key, "" if all(isinstance(v, str) for v in item.values()) else None)
        elif isinstance(item, list | str) and isinstance(key, int) and not isinstance(key, bool):
            if not 0 <= key < len(item):
                raise ExpansionError(f"index out of range: {key}")
            item = item[key] if isinstance(item, list) else item.encode()[key]
        else:
            raise ExpansionError(f"can't index item of type {go_type(item)}")
    return item


def _html(*args: object) -> str:
    text = args[0] if len(args) == 1 and isinstance(args[0], str) else gofmt.sprint(*args)
    return html.escape(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")


def _urlquery(*args: object) -> str:
    text = args[0] if len(args) == 1 and isinstance(args[0], str) else gofmt.sprint(*args)
    return urllib.parse.quote_plus(text, safe="-_.~")


def _table(entries: dict[str, tuple[Callable[..., object], int | None]]) -> Mapping[str, Function]:
    return MappingProxyType({name: Function(fn, arity) for name, (fn, arity) in entries.items()})


FUNCTIONS: Mapping[str, Function] = _table(
    {
        # Prometheus' template functions.
        "args": (_plain(_args), None),
        "externalURL": (lambda context: context.external_url, 0),
        "first": (_plain(_first), 1),
        "graphLink": (_plain(_link(0)), 1),
        "humanize": (_plain(h.humanize), 1),
        "humanize1024": (_plain(h.humanize1024), 1),
        "humanizeDuration": (_plain(h.humanize_duration), 1),
        "humanizePercentage": (_plain(h.humanize_percentage), 1),
        "humanizeTimestamp": (_plain(h.humanize_timestamp), 1),
        "label": (_plain(lambda name, s: _sample(s).labels.get(_string(name), "")), 2),
        "match": (_plain(_match), 2),
        "parseDuration": (_plain(_parse_duration), 1),
        "pathPrefix": (
            lambda context: urllib.parse.urlsplit(context.external_url).path,
            0,
        ),
        "query": (_query, 1),
        "reReplaceAll": (_plain(_re_replace_all), 3),
        "safeHtml": (_plain(lambda text: _string(text)), 1),
        "sortByLabel": (_plain(_sort_by_label), 2),
        "stripDomain": (_plain(_strip_domain), 1),
        "stripPort": (_plain(_strip_port), 1),
        "strvalue": (_plain(lambda s: _sample(s).labels.get("__value__", "")), 1),
        "tableLink": (_plain(_link(1)), 1),
        "title": (_plain(_title), 1),
        "toLower": (_plain(lambda text: _string(text).lower()), 1),
        "toTime": (_plain(h.to_time), 1),
        "toUpper": (_plain(lambda text: _string(text).upper()), 1),
        "value": (_plain(lambda s: _sample(s).value), 1),
        # Go's built-ins ("and" and "or" short-circuit in the executor).
        "and": (_plain(lambda *args: args[-1]), None),
        "eq": (_plain(_eq), None),
        "ge": (_plain(_ordered(operator.ge)), 2),
        "gt": (_plain(_ordered(operator.gt)), 2),
        "html": (_plain(_html), None),
        "index": (_plain(_index), None),
        "le": (_plain(_ordered(operator.le)), 2),
        "len": (_plain(_len), 1),
        "lt": (_plain(_ordered(operator.lt)), 2),
        "ne": (_plain(lambda a, b: not _eq(a, b)), 2),
        "not": (_plain(lambda value: not is_true(value)), 1),
        "or": (_plain(lambda *args: args[-1]), None),
        "print": (_plain(gofmt.sprint), None),
        "printf": (_plain(gofmt.printf), None),
        "println": (_plain(gofmt.sprintln), None),
        "urlquery": (_plain(_urlquery), None),
    }
)
"""Every function a template may call, by name."""
