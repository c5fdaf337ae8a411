"""Go's regular expressions read by Python: same matches, or a refusal."""

from __future__ import annotations

import pytest

from dos.tsdb import StoreError, compile_regex


def full(pattern: str, text: str) -> bool:
    return compile_regex(pattern).fullmatch(text) is not None


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a$", "a\n", False),  # Python's $ would also match before a final newline
        ("(?m)a$", "a\n", False),  # a full match must still cover the newline
        (r"a\z", "a", True),
        (r"\s", "\v", False),  # RE2's \s has no vertical tab
        (r"[\s]", " ", True),
        (r"\S+", "a\vb", True),
        (r"[^\S]", "\t", True),
        ("[[:digit:]]+", "123", True),
        ("[[:^digit:]]+", "abc", True),
        ("[[:^digit:]]", "1", False),
        ("[[:alpha:][:digit:]]+", "a1", True),
        (r"\d", "٣", False),  # Arabic-Indic three: RE2's classes are ASCII
        (r"\Qa.b\E", "a.b", True),
        (r"\Qa.b\E", "axb", False),
        (r"\x41\x{42}", "AB", True),
        (r"\101", "A", True),  # octal
        ("a{,2}", "a{,2}", True),  # not a repetition in RE2
        ("a{2}", "aa", True),
        ("a(?i)b|c", "aB", True),
        ("a(?i)b|c", "C", True),  # the flag holds to the end of the group, across |
        ("(a(?i)b)c", "aBc", True),
        ("(a(?i)b)c", "aBC", False),
        ("(?i)AbC", "aBc", True),
        ("(?s).", "\n", True),
        (".", "\n", False),
        ("[]a]", "]", True),
        ("[a&&b]", "&", True),  # a literal &, not a set operation
        ("x*?y", "xxy", True),
        ("(?P<name>a)b", "ab", True),
    ],
)
def test_patterns_mean_what_they_mean_in_go(pattern: str, text: str, matches: bool) -> None:
    assert full(pattern, text) is matches


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"\pL", "escape"),
        (r"\p{Greek}", "escape"),
        (r"\C", "escape"),
        ("(?=a)", "group syntax"),
        ("(?!a)", "group syntax"),
        ("(?<=a)b", "group syntax"),
        ("(?>a)", "group syntax"),
        (r"(a)\1", "back-references"),
        ("a++", "nested repetition"),
        ("a*+", "nested repetition"),
        ("a{2}{3}", "nested repetition"),
        ("(?U)a*", "ungreedy"),
        ("a{1001}", "repeat count"),
        ("a{3,2}", "repeat count"),
        ("[[:nope:]]", "class range"),
        ("(", "missing closing"),
        (")", "unexpected"),
        ("[a", "missing closing"),
        ("a\\", "trailing backslash"),
        (r"\y", "escape"),
    ],
)
def test_what_go_refuses_or_python_cannot_say_is_refused(pattern: str, reason: str) -> None:
    with pytest.raises(StoreError, match=reason):
        compile_regex(pattern)
