"""Exceptions raised by DOS, all under one base so callers can catch them together."""

from __future__ import annotations

__all__ = ["ConfigError", "DOSError", "QueryError", "RuleFileError"]


class DOSError(Exception):
    """Base of every error DOS raises on purpose."""


class ConfigError(DOSError, ValueError):
    """A configuration value is missing, of the wrong type or out of range.

    The message names the key, the value received and what is allowed.
    """

    def __init__(self, key: str, value: object, expected: str) -> None:
        super().__init__(f"{key}: got {value!r}, expected {expected}")
        self.key = key
        self.value = value
        self.expected = expected


class QueryError(DOSError):
    """A PromQL expression cannot be parsed or evaluated."""

    def __init__(self, expr: str, reason: str) -> None:
        super().__init__(f"{reason} in PromQL expression {expr!r}")
        self.expr = expr
        self.reason = reason


class RuleFileError(DOSError):
    """A rule file is malformed; the message names the file and the place in it."""

    def __init__(self, path: str, where: str, reason: str) -> None:
        super().__init__(f"{path}: {where}: {reason}")
        self.path = path
        self.where = where
        self.reason = reason
