"""Go's regular expressions (RE2 syntax) said in Python's ``re`` syntax.

PromQL's regular expressions are Go's. :func:`translate` rewrites a pattern so that
Python's ``re`` (with ``re.ASCII``) gives it the same meaning, and refuses what would mean
something else: Python-only syntax that RE2 rejects (look-around, back-references,
possessive and atomic groups, conditionals) and RE2 features Python lacks (``\\p{...}``
classes, ``\\C``, the ``U`` flag). The rewrites:

- ``\\z`` (end of text) becomes ``\\Z``; ``$`` outside multi-line mode becomes ``\\Z``, since
  Python's ``$`` also matches before a final newline;
- ``\\s`` is RE2's ``[\\t\\n\\f\\r ]`` (Python's also holds ``\\v``);
- POSIX classes (``[[:alpha:]]``, ``[[:^digit:]]``), ``\\Q...\\E``, ``\\x{...}`` and octal
  escapes are spelled out;
- a ``{`` that does not start a repetition is a literal, as in RE2;
- flags set mid-group (``a(?i)b``) become a scoped group up to the end of the group.

What stays different: case-insensitive matching folds ASCII letters only (RE2 folds all of
Unicode), and invalid UTF-8 cannot occur in a Python string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dos.tsdb.errors import StoreError

__all__ = ["translate"]

_MAX_CODE = 0x10FFFF
_MAX_REPEAT = 1000
Ranges = list[tuple[int, int]]

# RE2's POSIX classes, as code-point ranges.
_POSIX: dict[str, Ranges] = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_RE2_SPACE: Ranges = [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)]
_SIMPLE_ESCAPES = frozenset("afnrtvdDwW")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_FLAGS = re.compile(r"\(\?([imsU]*(?:-[imsU]*)?)([:)])")
_NAME = re.compile(r"\(\?P<([A-Za-z0-9_]+)>")


def translate(pattern: str) -> str:
    """Return ``pattern`` (RE2 syntax) in Python's syntax, or raise StoreError.

    >>> translate(r"[[:digit:]]+\\z")
    '[\\\\U00000030-\\\\U00000039]+\\\\Z'
    """
    return _Translator(pattern).run()


def _error(pattern: str, reason: str) -> StoreError:
    return StoreError(f"regex {pattern!r}: {reason}")


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _class_body(ranges: Ranges) -> str:
    return "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)


def _complement(ranges: Ranges) -> Ranges:
    out = []
    start = 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start <= _MAX_CODE:
        out.append((start, _MAX_CODE))
    return out


@dataclass
class _Group:
    """An open group: the flags in force inside it and the flag groups opened within."""

    flags: str
    opened: list[str] = field(default_factory=list)


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.out: list[str] = []
        self.groups = [_Group("")]

    def run(self) -> str:
        """Translate the whole pattern."""
        text = self.pattern
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\":
                self.out.append(self.escape(in_class=False))
            elif char == "[":
                self.out.append(self.bracket())
            elif char == "(":
                self.open_group()
            elif char == ")":
                self.close_group()
            elif char == "|":
                self.alternate()
            elif char in "*+?":
                self.pos += 1
                self.out.append(char + self.repeat_suffix())
            elif char == "{":
                self.brace()
            elif char == "$":
                self.pos += 1
                self.out.append("$" if "m" in self.groups[-1].flags else r"\Z")
            else:
                self.pos += 1
                self.out.append(char)
        if len(self.groups) > 1:
            raise _error(text, "missing closing )")
        self.out.extend(")" for _ in self.groups[-1].opened)
        return "".join(self.out)

    def fail(self, reason: str) -> StoreError:
        """Return the error for this pattern."""
        return _error(self.pattern, reason)

    def repeat_suffix(self) -> str:
        """Read the ``?`` of a lazy repetition and refuse a repetition repeated."""
        text = self.pattern
        suffix = ""
        if text.startswith("?", self.pos):
            suffix = "?"
            self.pos += 1
        if self.pos < len(text) and (
            text[self.pos] in "*+?" or _REPEAT.match(text, self.pos) is not None
        ):
            raise self.fail(f"invalid nested repetition operator at offset {self.pos}")
        return suffix

    def brace(self) -> None:
        """Copy a ``{n,m}`` repetition, or a literal ``{``."""
        match = _REPEAT.match(self.pattern, self.pos)
        if match is None:
            self.pos += 1
            self.out.append(r"\{")
            return
        low = int(match[1])
        high = int(match[3]) if match[3] else low
        if low > _MAX_REPEAT or high > _MAX_REPEAT or (match[3] and high < low):
            raise self.fail(f"invalid repeat count {match[0]}")
        self.pos = match.end()
        self.out.append(match[0] + self.repeat_suffix())

    def open_group(self) -> None:
        """Copy a group's opening, handling named groups and flags."""
        text = self.pattern
        if not text.startswith("(?", self.pos):
            self.pos += 1
            self.out.append("(")
            self.groups.append(_Group(self.groups[-1].flags))
            return
        name = _NAME.match(text, self.pos)
        if name is not None or text.startswith("(?:", self.pos):
            end = name.end() if name is not None else self.pos + 3
            self.out.append(text[self.pos : end])
            self.pos = end
            self.groups.append(_Group(self.groups[-1].flags))
            return
        flags = _FLAGS.match(text, self.pos)
        if flags is None or flags[1] in ("", "-") or flags[1].endswith("-"):
            raise self.fail(f"unsupported group syntax at offset {self.pos}")
        if "U" in flags[1]:
            raise self.fail("the U (ungreedy) flag is not supported")
        self.pos = flags.end()
        current = self.groups[-1]
        updated = _apply_flags(current.flags, flags[1])
        self.out.append(f"(?{flags[1]}:")
        if flags[2] == ":":
            self.groups.append(_Group(updated))
        else:
            # Flags set mid-group hold to the group's end: say it with a scoped group.
            current.flags = updated
            current.opened.append(flags[1])

    def close_group(self) -> None:
        """Close the innermost group and any flag groups opened inside it."""
        if len(self.groups) == 1:
            raise self.fail(f"unexpected ) at offset {self.pos}")
        self.pos += 1
        group = self.groups.pop()
        self.out.append(")" * (len(group.opened) + 1))

    def alternate(self) -> None:
        """Copy a ``|``, closing flag groups before it and reopening them after."""
        self.pos += 1
        opened = self.groups[-1].opened
        self.out.append(")" * len(opened) + "|" + "".join(f"(?{f}:" for f in opened))

    def escape(self, *, in_class: bool) -> str:
        """Translate the escape sequence at the current position."""
        text = self.pattern
        if self.pos + 1 >= len(text):
            raise self.fail("trailing backslash at end of expression")
        char = text[self.pos + 1]
        self.pos += 2
        if char in _SIMPLE_ESCAPES:
            return "\\" + char
        if char in "sS":
            ranges = _RE2_SPACE if char == "s" else _complement(_RE2_SPACE)
            body = _class_body(ranges)
            return body if in_class else f"[{body}]"
        if char in "0123456789":
            return re.escape(chr(self.octal(char)))
        if char == "x":
            return _char(self.hex_code())
        if char == "Q" and not in_class:
            end = text.find("\\E", self.pos)
            literal = text[self.pos :] if end < 0 else text[self.pos : end]
            self.pos = len(text) if end < 0 else end + 2
            return re.escape(literal)
        if not in_class and char in "AbBz":
            return r"\Z" if char == "z" else "\\" + char
        if char.isascii() and not char.isalnum():
            return "\\" + char
        raise self.fail(f"invalid or unsupported escape sequence \\{char}")

    def octal(self, first: str) -> int:
        """Read an octal escape: RE2 refuses a lone ``\\1``-``\\9`` (a back-reference)."""
        text = self.pattern
        if first in "89" or (
            first != "0" and (self.pos >= len(text) or text[self.pos] not in "01234567")
        ):
            raise self.fail(f"invalid escape sequence \\{first} (back-references are not RE2)")
        digits = first
        while len(digits) < 3 and self.pos < len(text) and text[self.pos] in "01234567":
            digits += text[self.pos]
            self.pos += 1
        return int(digits, 8)

    def hex_code(self) -> int:
        """Read the digits of ``\\xHH`` or ``\\x{H...}``."""
        text = self.pattern
        if text.startswith("{", self.pos):
            end = text.find("}", self.pos)
            digits = text[self.pos + 1 : end] if end > 0 else ""
            self.pos = end + 1 if end > 0 else len(text)
        else:
            digits = text[self.pos : self.pos + 2]
            self.pos += 2
        try:
            code = int(digits, 16)
        except ValueError:
            raise self.fail(f"invalid hexadecimal escape \\x{digits}") from None
        if code > _MAX_CODE:
            raise self.fail(f"invalid hexadecimal escape \\x{digits}")
        return code

    def bracket(self) -> str:
        """Translate a bracketed character class."""
        text = self.pattern
        self.pos += 1
        out = ["["]
        if text.startswith("^", self.pos):
            out.append("^")
            self.pos += 1
        if text.startswith("]", self.pos):
            out.append(r"\]")
            self.pos += 1
        while self.pos < len(text) and text[self.pos] != "]":
            out.append(self.class_item())
        if self.pos >= len(text):
            raise self.fail("missing closing ]")
        self.pos += 1
        return "".join(out) + "]"

    def class_item(self) -> str:
        """Translate one item of a character class."""
        text = self.pattern
        char = text[self.pos]
        if char == "\\":
            return self.escape(in_class=True)
        if text.startswith("[:", self.pos):
            end = text.find(":]", self.pos + 2)
            if end > 0:
                name = text[self.pos + 2 : end]
                ranges = _POSIX.get(name.removeprefix("^"))
                if ranges is None:
                    raise self.fail(f"invalid character class range [:{name}:]")
                self.pos = end + 2
                return _class_body(_complement(ranges) if name.startswith("^") else ranges)
        self.pos += 1
        # Python warns about these as possible set operations; RE2 reads them literally.
        return "\\" + char if char in "[&~|" else char


def _apply_flags(current: str, change: str) -> str:
    on, _, off = change.partition("-")
    kept = {f for f in current if f not in off}
    return "".join(sorted(kept | set(on)))
