"""The alert record every detector produces, with Prometheus' pending/firing states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dos.telemetry import Labels

__all__ = ["Alert", "AlertState", "AlertTransition"]


class AlertState(StrEnum):
    """Prometheus' alert states: an alert is pending during its ``for``, then firing."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"


@dataclass(slots=True)
class Alert:
    """One active alert: a rule (or detector) and the label set it fired for.

    ``labels`` holds ``alertname`` and the rule's own labels; ``key`` identifies the alert
    across evaluations.
    """

    labels: dict[str, str]
    annotations: dict[str, str]
    state: AlertState
    active_at: float
    value: float
    fired_at: float | None = None
    resolved_at: float | None = None
    last_sent_value: float = float("nan")
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The alert's name (its ``alertname`` label)."""
        return self.labels["alertname"]

    @property
    def key(self) -> Labels:
        """The alert's identity: its sorted label pairs."""
        return tuple(sorted(self.labels.items()))


@dataclass(frozen=True, slots=True)
class AlertTransition:
    """An alert changed state at ``timestamp`` (as Prometheus' ``ALERTS`` series shows)."""

    timestamp: float
    labels: Mapping[str, str]
    previous: AlertState
    current: AlertState
    value: float
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The alert's name."""
        return self.labels["alertname"]
