"""What root-cause analysis is asked and what it answers, and the analyzer protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from dos.telemetry import TimelineEvent

__all__ = [
    "Candidate",
    "Cause",
    "Impact",
    "ImpactAssessment",
    "RCARequest",
    "RCAResult",
    "RootCauseAnalyzer",
]


class Cause(StrEnum):
    """The kinds of root cause DOS can name; remediation policies key on them."""

    CPU_SATURATION = "cpu_saturation"
    BAD_DEPLOY = "bad_deploy"
    TRAFFIC_SPIKE = "traffic_spike"
    MEMORY_LEAK = "memory_leak"
    ERRORS = "error_rate"
    """Errors rose with no change, spike or leak to explain them."""
    LATENCY = "latency"
    """Latency rose with no change, spike or leak to explain it."""
    UNKNOWN = "unknown"


class Impact(StrEnum):
    """How badly users are hit: the incident's priority."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked explanation: where the cause sits, what it is, and why DOS thinks so."""

    service: str
    pod: str | None
    cause: Cause
    confidence: float
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Return JSON-ready data."""
        return {
            "service": self.service,
            "pod": self.pod,
            "cause": str(self.cause),
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class ImpactAssessment:
    """Who is affected and how much users feel it."""

    level: Impact
    affected_services: tuple[str, ...]
    user_facing_error_ratio: float | None
    baseline_user_facing_error_ratio: float | None
    entry_service: bool
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Return JSON-ready data."""
        return {
            "level": str(self.level),
            "affected_services": list(self.affected_services),
            "user_facing_error_ratio": self.user_facing_error_ratio,
            "baseline_user_facing_error_ratio": self.baseline_user_facing_error_ratio,
            "entry_service": self.entry_service,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class RCARequest:
    """What an incident tells RCA: where the alerts point and when the anomaly began.

    ``onset`` is the first time an alert of the incident was pending; ``events`` are the
    recent change events DOS kept (the analyzer picks the relevant ones).
    """

    namespace: str
    service: str
    onset: float
    alert_names: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    pods: tuple[str, ...] = ()
    events: Sequence[TimelineEvent] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RCAResult:
    """The ranked candidates (best first) and the impact, as analysed at ``at``."""

    at: float
    candidates: tuple[Candidate, ...]
    impact: ImpactAssessment

    @property
    def top(self) -> Candidate | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None


class RootCauseAnalyzer(Protocol):
    """Explains an incident: ranked (service, cause) candidates with evidence."""

    def analyze(self, request: RCARequest, now: float) -> RCAResult:
        """Analyse ``request`` with the telemetry available at ``now``."""
        ...
