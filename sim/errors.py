"""Exceptions raised by the twin, all under one base."""

from __future__ import annotations

__all__ = ["ScenarioError", "SimError", "TopologyError"]


class SimError(Exception):
    """Base of every error the twin raises on purpose."""


class TopologyError(SimError, ValueError):
    """A topology names an unknown service, a bad edge or an impossible resource."""


class ScenarioError(SimError, ValueError):
    """A scenario or fault is malformed: the message names the key, the value and the rule."""
