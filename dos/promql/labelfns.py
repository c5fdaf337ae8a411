"""``label_replace``, ``label_join`` and the labels ``absent``/``absent_over_time`` invent.

Regular expressions are Go's, read as :mod:`dos.tsdb.re2` reads them, anchored at both
ends; ``$1``, ``$name`` and ``${name}`` in a replacement expand as Go's
``Regexp.ExpandString`` expands them. Both functions keep the metric name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dos.errors import QueryError
from dos.promql.nodes import EvalContext, expect_vector
from dos.promql.values import Value, Vector
from dos.telemetry import Labels
from dos.tsdb import Matcher, MatchOp, StoreError, compile_regex

__all__ = ["absent_labels", "expand", "label_join", "label_replace"]

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def label_replace(ctx: EvalContext, args: list[Value]) -> Value:
    """Set label ``dst`` from ``replacement`` where label ``src`` matches ``regex``."""
    vector = expect_vector(ctx, args[0])
    dst, replacement, src, pattern = (_string(a) for a in args[1:5])
    try:
        regex = _compiled(pattern)
    except StoreError:
        raise QueryError(
            ctx.expr, f"invalid regular expression in label_replace(): {pattern}"
        ) from None
    if not _LABEL_NAME.fullmatch(dst):
        raise QueryError(ctx.expr, f"invalid destination label name in label_replace(): {dst}")

    def relabel(labels: Labels) -> Labels:
        """Apply the replacement to one label set."""
        match = regex.fullmatch(dict(labels).get(src, ""))
        if match is None:
            return labels
        return _with_label(labels, dst, expand(replacement, match))

    key = f"label_replace\0{dst}\0{replacement}\0{src}\0{pattern}"
    return Vector([ctx.labels.lookup(key, lbl, relabel) for lbl in vector.labels], vector.values)


def label_join(ctx: EvalContext, args: list[Value]) -> Value:
    """Set label ``dst`` to the values of the ``src`` labels joined by ``separator``."""
    vector = expect_vector(ctx, args[0])
    dst, separator = _string(args[1]), _string(args[2])
    sources = [_string(a) for a in args[3:]]
    for src in sources:
        if not _LABEL_NAME.fullmatch(src):
            raise QueryError(ctx.expr, f"invalid source label name in label_join(): {src}")
    if not _LABEL_NAME.fullmatch(dst):
        raise QueryError(ctx.expr, f"invalid destination label name in label_join(): {dst}")

    def join(labels: Labels) -> Labels:
        """Join the source labels of one label set."""
        present = dict(labels)
        return _with_label(labels, dst, separator.join(present.get(s, "") for s in sources))

    key = "label_join\0" + "\0".join([dst, separator, *sources])
    return Vector([ctx.labels.lookup(key, lbl, join) for lbl in vector.labels], vector.values)


def _string(value: Value) -> str:
    assert isinstance(value, str)  # the parser checked the argument types
    return value


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return compile_regex(pattern)


def _with_label(labels: Labels, name: str, value: str) -> Labels:
    """Return ``labels`` with ``name`` set to ``value`` (removed when ``value`` is empty)."""
    out = dict(labels)
    if value:
        out[name] = value
    else:
        out.pop(name, None)
    return tuple(sorted(out.items()))


def expand(template: str, match: re.Match[str]) -> str:
    """Expand ``$1``, ``${1}``, ``$name``, ``${name}`` and ``$$`` as Go does.

    A reference to a group that does not exist or did not take part is empty; a ``$`` not
    followed by a well-formed reference stays as it is.

    >>> expand("$1-${2}x $$ $3", re.fullmatch(r"(a)(b)", "ab"))
    'a-bx $ '
    """
    out = []
    rest = template
    while True:
        before, dollar, rest = rest.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        parsed = _reference(rest)
        if parsed is None:
            out.append("$")
            continue
        name, rest = parsed
        out.append(_group(match, name))


def _reference(text: str) -> tuple[str, str] | None:
    """Split a leading ``name`` or ``{name}`` off ``text``; None if malformed."""
    braced = text.startswith("{")
    body = text[1:] if braced else text
    end = 0
    while end < len(body) and (body[end].isalpha() or body[end].isdecimal() or body[end] == "_"):
        end += 1
    if end == 0:
        return None
    if braced:
        if not body.startswith("}", end):
            return None
        return body[:end], body[end + 1 :]
    return body[:end], body[end:]


def _group(match: re.Match[str], name: str) -> str:
    if name.isascii() and name.isdigit() and not (len(name) > 1 and name.startswith("0")):
        # Go reads a number (no leading zero) as a group index, anything else as a name.
        index = int(name)
        return (match.group(index) or "") if index <= match.re.groups else ""
    if name in match.re.groupindex:
        return match.group(name) or ""
    return ""


def absent_labels(matchers: tuple[Matcher, ...]) -> Labels:
    """Return the labels ``absent`` gives a selector's matchers, as Prometheus 2.42 does.

    Each equality matcher (but the name's) contributes its label, unless the label was
    already set by an earlier one; any other matcher on a label removes it.
    """
    out: dict[str, str] = {}
    seen: set[str] = set()
    for m in matchers:
        if m.name == "__name__":
            continue
        if m.op is MatchOp.EQUAL and m.name not in seen:
            seen.add(m.name)
            if m.value:
                out[m.name] = m.value
            else:
                out.pop(m.name, None)
        else:
            out.pop(m.name, None)
    return tuple(sorted(out.items()))
