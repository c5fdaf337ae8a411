"""Exceptions raised by the twin, all under one base."""

from __future__ import annotations

from typing import Self

__all__ = ["ScenarioError", "SimError", "TimingError", "TopologyError"]


class SimError(Exception):
    """Base of every error the twin raises on purpose."""

    source: str = ""
    key: str = ""
    value: object = None
    expected: str = ""

    @classmethod
    def at(cls, source: str, key: str, value: object, expected: str) -> Self:
        """Build the error for ``key`` of config ``source``: the value and what is allowed."""
        error = cls(f"{source}: {key}: got {value!r}, expected {expected}")
        error.source = source
        error.key = key
        error.value = value
        error.expected = expected
        return error


class TopologyError(SimError, ValueError):
    """A topology names an unknown service, a bad edge or an impossible resource."""


class ScenarioError(SimError, ValueError):
    """A scenario or fault is malformed: the message names the key, the value and the rule."""


class TimingError(SimError, ValueError):
    """The twin's clock settings (tick, scrape interval, duration) cannot work together."""
