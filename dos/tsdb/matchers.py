"""PromQL's label matchers: ``=``, ``!=``, ``=~`` and ``!~``, with Go's regular expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from dos.tsdb.errors import StoreError, quote
from dos.tsdb.re2 import translate

__all__ = ["MatchOp", "Matcher", "compile_regex"]


class MatchOp(StrEnum):
    """The four label-matching operators of a PromQL selector."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Go (RE2) regular expression with its Go meaning; match it with ``fullmatch``.

    Raises StoreError naming the pattern when Go would refuse it, or when Python cannot
    say it (see :mod:`dos.tsdb.re2`).
    """
    translated = translate(pattern)
    try:
        return re.compile(translated, re.ASCII)
    except re.error as exc:
        raise StoreError(f"regex {pattern!r}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher; a regex must match the whole value, and a missing label is ``""``."""

    name: str
    op: MatchOp
    value: str
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        regex = None
        if self.op in (MatchOp.REGEX, MatchOp.NOT_REGEX):
            regex = compile_regex(self.value)
        object.__setattr__(self, "_regex", regex)

    def matches(self, value: str) -> bool:
        """Tell whether a label value (``""`` when absent) satisfies this matcher."""
        if self._regex is None:
            return (value == self.value) == (self.op is MatchOp.EQUAL)
        return (self._regex.fullmatch(value) is not None) == (self.op is MatchOp.REGEX)

    def __str__(self) -> str:
        return f"{self.name}{self.op}{quote(self.value)}"
