"""The functions alert templates call: Prometheus' ``humanize*`` family and Go's ``printf``."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

from dos.promql.gomath import format_float, format_g, parse_float

__all__ = [
    "ExpansionError",
    "humanize",
    "humanize1024",
    "humanize_duration",
    "humanize_percentage",
    "printf",
    "title",
    "to_float",
    "to_lower",
    "to_upper",
]

Arg = str | float | Mapping[str, str]

_LARGE = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_SMALL = ("m", "u", "n", "p", "f", "a", "z", "y")
_BINARY = ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")
_VERB = re.compile(r"%([-+# 0]*)(\d*)(?:\.(\d*))?(.)", re.DOTALL)


class ExpansionError(Exception):
    """A template function failed on its argument (the template expands to an error text)."""


def to_float(value: Arg) -> float:
    """Convert an argument as Prometheus' templates do: numbers as they are, strings parsed."""
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        parsed = parse_float(value)
        if parsed is None:
            raise ExpansionError(f'strconv.ParseFloat: parsing "{value}": invalid syntax')
        return parsed
    raise ExpansionError("can't convert map[string]string to float")


def humanize(value: Arg) -> str:
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


def humanize1024(value: Arg) -> str:
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


def humanize_duration(value: Arg) -> str:
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


def humanize_percentage(value: Arg) -> str:
    """Write a ratio as a percentage: ``0.1234`` -> ``12.34%``."""
    return format_g(to_float(value) * 100, 4) + "%"


def to_upper(value: Arg) -> str:
    """Upper-case a string."""
    return _string(value, "toUpper").upper()


def to_lower(value: Arg) -> str:
    """Lower-case a string."""
    return _string(value, "toLower").lower()


def title(value: Arg) -> str:
    """Capitalise the first letter of every word."""
    return re.sub(r"\b\w", lambda m: m.group(0).upper(), _string(value, "title"))


def _string(value: Arg, function: str) -> str:
    if not isinstance(value, str):
        raise ExpansionError(f"wrong type for value; expected string; got {_type(value)}")
    return value


def printf(fmt: Arg, *args: Arg) -> str:
    """Format as Go's ``fmt.Sprintf`` does, for the verbs v s d f e g q x and ``%%``."""
    if not isinstance(fmt, str):
        raise ExpansionError(f"wrong type for value; expected string; got {_type(fmt)}")
    pending = list(args)
    out = []
    position = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[position : match.start()])
        position = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if not pending:
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_verb(pending.pop(0), flags, width, precision, verb))
    out.append(fmt[position:])
    out.extend(f"%!(EXTRA {_type(a)}={_plain(a)})" for a in pending)
    return "".join(out)


def _verb(arg: Arg, flags: str, width: str, precision: str | None, verb: str) -> str:
    spec = f"%{flags}{width}" + (f".{precision}" if precision is not None else "")
    if verb == "v" or (verb == "s" and isinstance(arg, str)):
        return _pad(_plain(arg), flags, width)
    if isinstance(arg, str) and verb == "q":
        return _pad(json.dumps(arg, ensure_ascii=False), flags, width)
    if isinstance(arg, str) and verb == "x":
        return _pad(arg.encode().hex(), flags, width)
    if isinstance(arg, float) and verb in "eEfFgG":
        if not math.isfinite(arg):
            # Go keeps an infinity's sign and shows NaN's only when asked to.
            name = format_float(arg)
            if name == "NaN" and ("+" in flags or " " in flags):
                name = ("+" if "+" in flags else " ") + name
            return _pad(name, flags, width)
        if verb in "gG" and precision is None:
            return _pad(format_float(arg), flags, width)
        return (spec + verb) % arg
    return f"%!{verb}({_type(arg)}={_plain(arg)})"


def _pad(text: str, flags: str, width: str) -> str:
    if not width:
        return text
    return text.ljust(int(width)) if "-" in flags else text.rjust(int(width))


def _plain(value: Arg) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return format_float(value)
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(value.items())) + "]"


def _type(value: Arg) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, float):
        return "float64"
    return "map[string]string"
