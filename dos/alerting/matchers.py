"""Alertmanager's label matchers, as routes, inhibition rules and silences write them.

A matcher is ``name op value`` with ``op`` one of ``=``, ``!=``, ``=~``, ``!~``; a regex
must match the whole value and a missing label matches as the empty string, exactly as in
a PromQL selector (the matching itself is :class:`dos.tsdb.Matcher`'s). The text form is
Alertmanager 0.25's: a list of matchers separated by commas, optionally inside braces,
with values quoted (``"..."`` with ``\\"``, ``\\\\`` and ``\\n`` escapes) or bare.

>>> [str(m) for m in parse_matchers('{severity=~"warning|critical", team = ops}')]
['severity=~"warning|critical"', 'team="ops"']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from dos.errors import ConfigError
from dos.tsdb import Matcher, MatchOp, StoreError

__all__ = [
    "Matchers",
    "format_matcher",
    "format_matchers",
    "matchers_from_config",
    "matches_all",
    "parse_matcher",
    "parse_matchers",
]

Matchers = tuple[Matcher, ...]
"""A conjunction of matchers: every one must hold."""

# The longer operators come first so that "=~" is not read as "=" and a value "~...".
_MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!=|!~|=)\s*(.*?)\s*$", re.DOTALL)
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_ESCAPES = {"n": "\n", '"': '"', "\\": "\\"}


def parse_matcher(text: str, key: str = "matcher") -> Matcher:
    """Parse one matcher such as ``service="frontend"``; ``key`` names it in errors."""
    found = _MATCHER.match(text)
    if found is None:
        raise ConfigError(key, text, 'a matcher such as service="frontend" or severity=~"warn.*"')
    name, op, raw = found.groups()
    value = _unquote(raw, text, key)
    try:
        return Matcher(name, MatchOp(op), value)
    except StoreError as exc:
        raise ConfigError(key, text, f"a valid regular expression ({exc})") from exc


def parse_matchers(text: str, key: str = "matchers") -> Matchers:
    """Parse a comma-separated list of matchers, optionally inside ``{...}``."""
    body = text.strip()
    body = body.removeprefix("{").removesuffix("}")
    parts = [part for part in _split(body) if part.strip()]
    return tuple(parse_matcher(part, key) for part in parts)


def matchers_from_config(
    match: Mapping[str, str],
    match_re: Mapping[str, str],
    matchers: Sequence[str],
    key: str,
) -> Matchers:
    """Build a config block's matchers from its ``match``, ``match_re`` and ``matchers`` keys.

    They are sorted as Alertmanager sorts them (by name, then value), which fixes how a
    route's key, and so a group's key, is written.
    """
    out: list[Matcher] = []
    for name, value in match.items():
        out.append(_config_matcher(name, MatchOp.EQUAL, value, f"{key}.match.{name}"))
    for name, value in match_re.items():
        out.append(_config_matcher(name, MatchOp.REGEX, value, f"{key}.match_re.{name}"))
    for i, line in enumerate(matchers):
        out.extend(parse_matchers(line, f"{key}.matchers[{i}]"))
    return tuple(sorted(out, key=lambda m: (m.name, m.value, list(MatchOp).index(m.op))))


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Tell whether ``labels`` satisfy every matcher (a missing label is ``""``)."""
    return all(m.matches(labels.get(m.name, "")) for m in matchers)


def format_matcher(matcher: Matcher) -> str:
    """Write ``matcher`` as Alertmanager does: ``name=~"value"``."""
    value = matcher.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{matcher.name}{matcher.op}"{value}"'


def format_matchers(matchers: Iterable[Matcher]) -> str:
    """Write a conjunction as Alertmanager does: ``{a="b",c=~"d"}``."""
    return "{" + ",".join(format_matcher(m) for m in matchers) + "}"


def _config_matcher(name: str, op: MatchOp, value: str, key: str) -> Matcher:
    """Build one matcher from a ``match``/``match_re`` entry, checking the label name."""
    if not _LABEL_NAME.match(name):
        raise ConfigError(key, name, "a label name (letters, digits and _, not first a digit)")
    try:
        return Matcher(name, op, value)
    except StoreError as exc:
        raise ConfigError(key, value, f"a valid regular expression ({exc})") from exc


def _split(text: str) -> list[str]:
    """Split on the commas that are outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        if char == '"' and not escaped:
            quoted = not quoted
        escaped = char == "\\" and not escaped
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(raw: str, text: str, key: str) -> str:
    """Undo a value's quotes and escapes; a bare value is taken as it is written."""
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    if quoted:
        if len(body) == 0 or not body.endswith('"') or _escaped_end(body):
            raise ConfigError(key, text, "a value whose opening double quote is closed")
        body = body[:-1]
    out: list[str] = []
    chars = iter(enumerate(body))
    for i, char in chars:
        if char == "\\" and i < len(body) - 1:
            _, following = next(chars)
            # An unknown escape keeps its backslash, as Alertmanager does.
            out.append(_ESCAPES.get(following, "\\" + following))
        elif char == '"':
            raise ConfigError(key, text, 'a value with its inner double quotes escaped as \\"')
        else:
            out.append(char)
    return "".join(out)


def _escaped_end(body: str) -> bool:
    """Tell whether the closing quote of ``body`` is itself escaped (an odd run of ``\\``)."""
    run = len(body) - 1 - len(body[:-1].rstrip("\\"))
    return run % 2 == 1
