"""Pending/firing bookkeeping for detector alerts, with the rules' semantics.

An alert key whose condition holds becomes pending at the first evaluation that sees it
and fires once it has held for ``for``; with ``for = 0`` it fires at once. When the
condition stops holding a pending alert is dropped and a firing one resolves. Each
change is an :class:`~dos.detect.alert.AlertTransition`, as the rule engine reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dos.detect.alert import AlertState, AlertTransition

__all__ = ["AlertTracker", "Condition"]

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Condition:
    """A detector's finding at one evaluation: the alert's labels, value and annotations."""

    labels: Mapping[str, str]
    value: float
    annotations: Mapping[str, str]


@dataclass(slots=True)
class _Active:
    labels: dict[str, str]
    since: float
    state: AlertState
    value: float
    annotations: dict[str, str]


class AlertTracker:
    """Turn per-evaluation findings into alert state changes, keyed by an identity."""

    def __init__(self, for_: float) -> None:
        self.for_ = for_
        self._active: dict[tuple[str, ...], _Active] = {}

    def step(
        self, now: float, found: Mapping[tuple[str, ...], Condition]
    ) -> list[AlertTransition]:
        """Advance every alert to ``now`` given the keys whose condition holds."""
        changes: list[AlertTransition] = []
        for key in list(self._active):
            if key not in found:
                alert = self._active.pop(key)
                changes.append(_change(now, alert, AlertState.INACTIVE))
        for key, condition in found.items():
            if key not in self._active:
                self._active[key] = _Active(
                    dict(condition.labels),
                    now,
                    AlertState.INACTIVE,
                    condition.value,
                    dict(condition.annotations),
                )
            alert = self._active[key]
            alert.value = condition.value
            held = now - alert.since >= self.for_ - _EPSILON
            wanted = AlertState.FIRING if held else AlertState.PENDING
            if wanted is not alert.state:
                changes.append(_change(now, alert, wanted))
        return changes

    def active(self) -> list[tuple[dict[str, str], AlertState]]:
        """Return each pending or firing alert's labels and state."""
        return [(dict(a.labels), a.state) for a in self._active.values()]


def _change(now: float, alert: _Active, state: AlertState) -> AlertTransition:
    previous, alert.state = alert.state, state
    return AlertTransition(
        now, dict(alert.labels), previous, state, alert.value, alert.annotations
    )
