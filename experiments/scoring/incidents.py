"""Read DOS's incident dicts into the few facts scoring needs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["IncidentView", "optional_text"]

_OPENED_KEYS = ("opened_at", "detected_at", "created_at")


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident as scoring sees it; ``rca`` holds (service, cause) pairs, best first."""

    id: str | None
    service: str | None
    opened_at: float | None
    acknowledged_at: float | None
    resolved_at: float | None
    rca: tuple[tuple[str | None, str | None], ...]

    @classmethod
    def of(cls, incident: Mapping[str, Any]) -> IncidentView:
        """Read an incident dict, tolerating the key variants the package notes list."""
        steps = {str(s.get("state")): s.get("timestamp") for s in incident.get("history", [])}
        first_step = min((float(t) for t in steps.values() if t is not None), default=None)
        opened = _first_time(incident, _OPENED_KEYS)
        return cls(
            id=optional_text(incident.get("id")),
            service=optional_text(incident.get("service")),
            opened_at=opened if opened is not None else first_step,
            acknowledged_at=_first_time(incident, ("acknowledged_at",), steps, "acknowledged"),
            resolved_at=_first_time(incident, ("resolved_at",), steps, "resolved"),
            rca=tuple(_candidate(c) for c in _candidates(incident.get("rca"))),
        )

    def rank_of(self, service: str) -> int | None:
        """Return the 1-based rank of ``service`` among the candidates, if named."""
        ranks = [i for i, (named, _) in enumerate(self.rca, start=1) if named == service]
        return ranks[0] if ranks else None

    @property
    def top_cause(self) -> str | None:
        """The best candidate's cause, if there is a candidate."""
        return self.rca[0][1] if self.rca else None


def optional_text(value: Any) -> str | None:
    """Return ``value`` as text, or None when it is missing (None, NaN or NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _candidates(rca: Any) -> Sequence[Any]:
    """Return the candidate list of an ``rca`` entry: a list, or a dict with ``candidates``."""
    if isinstance(rca, Mapping):
        return list(rca.get("candidates") or ())
    return list(rca or ())


def _candidate(entry: Any) -> tuple[str | None, str | None]:
    """Read one candidate: a dict with ``service`` and ``cause``, or a (service, cause) pair."""
    if isinstance(entry, Mapping):
        return optional_text(entry.get("service")), optional_text(entry.get("cause"))
    return optional_text(entry[0]), optional_text(entry[1])


def _first_time(
    incident: Mapping[str, Any],
    keys: Sequence[str],
    steps: Mapping[str, Any] | None = None,
    state: str | None = None,
) -> float | None:
    """Return the first of ``keys`` that is set, else the time of history step ``state``."""
    for key in keys:
        if incident.get(key) is not None:
            return float(incident[key])
    if steps is not None and state is not None and steps.get(state) is not None:
        return float(steps[state])
    return None
