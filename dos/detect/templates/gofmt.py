"""Go's ``fmt`` printing as templates reach it: ``printf``, ``print`` and ``println``."""

from __future__ import annotations

import math
import re

from dos.detect.templates.values import ExpansionError, go_string, go_type
from dos.promql.gomath import format_float

__all__ = ["go_quote", "printf", "sprint", "sprintln"]

_VERB = re.compile(r"%([-+# 0]*)(\d*)(?:\.(\d*))?(.)", re.DOTALL)
_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """Quote ``text`` as Go's ``strconv.Quote`` does."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def sprint(*args: object) -> str:
    """Print as ``fmt.Sprint``: a space between operands when neither is a string."""
    out = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_string(arg))
    return "".join(out)


def sprintln(*args: object) -> str:
    """Print as ``fmt.Sprintln``: operands separated by spaces, then a newline."""
    return " ".join(go_string(a) for a in args) + "\n"


def printf(fmt: object, *args: object) -> str:
    """Format as Go's ``fmt.Sprintf`` does, for the verbs v s d f e g q x t and ``%%``."""
    if not isinstance(fmt, str):
        raise ExpansionError(f"wrong type for value; expected string; got {go_type(fmt)}")
    pending = list(args)
    out = []
    position = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[position : match.start()])
        position = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
        elif not pending:
            out.append(f"%!{verb}(MISSING)")
        else:
            out.append(_verb(pending.pop(0), flags, width, precision, verb))
    out.append(fmt[position:])
    out.extend(f"%!(EXTRA {go_type(a)}={go_string(a)})" for a in pending)
    return "".join(out)


def _verb(arg: object, flags: str, width: str, precision: str | None, verb: str) -> str:
    spec = f"%{flags}{width}" + (f".{precision}" if precision is not None else "")
    if verb == "v" or (verb == "s" and isinstance(arg, str)):
        return _pad(go_string(arg), flags, width)
    if isinstance(arg, str) and verb in "qxX":
        text = go_quote(arg) if verb == "q" else arg.encode().hex()
        return _pad(text.upper() if verb == "X" else text, flags, width)
    if isinstance(arg, bool):
        return _pad(go_string(arg), flags, width) if verb == "t" else _bad(verb, arg)
    if isinstance(arg, int) and verb in "dxXob":
        return (spec + verb) % arg if verb != "b" else _pad(format(arg, "b"), flags, width)
    if isinstance(arg, float) and verb in "eEfFgG":
        return _float(arg, flags, width, precision, spec, verb)
    return _bad(verb, arg)


def _float(arg: float, flags: str, width: str, precision: str | None, spec: str, verb: str) -> str:
    if not math.isfinite(arg):
        # Go keeps an infinity's sign and shows NaN's only when asked to.
        name = format_float(arg)
        if name == "NaN" and ("+" in flags or " " in flags):
            name = ("+" if "+" in flags else " ") + name
        return _pad(name, flags, width)
    if verb in "gG" and precision is None:
        return _pad(format_float(arg), flags, width)
    return (spec + verb) % arg


def _bad(verb: str, arg: object) -> str:
    return f"%!{verb}({go_type(arg)}={go_string(arg)})"


def _pad(text: str, flags: str, width: str) -> str:
    if not width:
        return text
    return text.ljust(int(width)) if "-" in flags else text.rjust(int(width))
