"""Per-fault and per-run scores; the definitions are in the package's notes."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from dos.remediation.audit import AuditStatus
from experiments.scoring.incidents import IncidentView, optional_text
from experiments.scoring.intervals import (
    Span,
    alert_episodes,
    first_overlap,
    merge,
    overlaps,
    recovery,
    rows,
    unhealthy_spans,
)

__all__ = [
    "EXPECTED_CAUSES",
    "FaultScore",
    "RunScores",
    "ScoreInputError",
    "fault_frame",
    "score_run",
]

logger = logging.getLogger(__name__)

EXPECTED_CAUSES: Mapping[str, str] = {
    "cpu_stress": "cpu_saturation",
    "memory_leak": "memory_leak",
    "bad_deploy": "bad_deploy",
    "bad_deployment": "bad_deploy",
    "traffic_spike": "traffic_spike",
    "latency_injection": "latency",
    "network_delay": "latency",
    "network_loss": "error_rate",
    "network_partition": "error_rate",
    "dependency_outage": "error_rate",
    "pod_crash": "error_rate",
    "pod_kill": "error_rate",
}
"""The cause DOS should name per fault kind (``dos.rca.model.Cause`` values); kinds not
listed are left out of cause accuracy."""

_DOS_ACTOR = "dos"
# An action took effect when the actuator accepted it; confirmation comes later.
_TOOK_EFFECT = {AuditStatus.ACCEPTED.value, AuditStatus.CONFIRMED.value}
_REFUSED = {AuditStatus.BLOCKED.value, AuditStatus.REJECTED.value}
_REQUIRED = {
    "ground_truth": ("fault_id", "kind", "service", "start", "end"),
    "health": ("t", "service", "healthy"),
    "alerts": ("t", "current"),
    "actions": ("t", "incident_id", "service", "actor", "status"),
}


class ScoreInputError(ValueError):
    """A table handed to scoring lacks a column the scores need."""

    def __init__(self, table: str, column: str, columns: Iterable[str]) -> None:
        have = ", ".join(sorted(map(str, columns))) or "none"
        super().__init__(
            f"{table} table: no column {column!r} (it has: {have}); "
            "expected the schema of experiments.tables"
        )
        self.table = table
        self.column = column


@dataclass(frozen=True, slots=True)
class FaultScore:
    """How DOS did on one fault; ``*_s`` durations are seconds from the fault's start."""

    fault_id: str
    kind: str
    service: str
    start: float
    end: float | None
    affected: tuple[str, ...]
    impacted: bool
    recovered_at: float | None
    detected: bool
    ttd_s: float | None
    first_alert: str | None
    incident_id: str | None
    tta_s: float | None
    ttm_s: float | None
    ttr_s: float | None
    dos_resolved_s: float | None
    rca_rank: int | None
    cause_correct: bool | None
    auto_remediated: bool | None

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data."""
        data = asdict(self)
        data["affected"] = list(self.affected)
        return data


@dataclass(frozen=True, slots=True)
class RunScores:
    """A run's scores; None where a score has nothing to be computed over."""

    faults: int
    detected: int
    missed: int
    recall: float | None
    alert_episodes: int
    false_alerts: int
    precision: float | None
    false_alerts_per_day: float | None
    mttd_s: float | None
    mttd_median_s: float | None
    mttd_p90_s: float | None
    mtta_s: float | None
    mttm_s: float | None
    mttr_s: float | None
    mean_dos_resolved_s: float | None
    recovered: int
    unrecovered: int
    no_impact: int
    incidents: int
    rca_top1: float | None
    rca_top3: float | None
    rca_cause_accuracy: float | None
    auto_remediated: float | None
    actions_total: int
    actions_rejected: int
    guardrail_trips: int
    actions_failed: int
    failed_requests: float | None
    error_budget_consumed: float | None
    sim_seconds: float
    wall_seconds: float
    speedup: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        """Return the scores as plain floats, ints and None, in declaration order."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def score_run(
    ground_truth: pd.DataFrame,
    health: pd.DataFrame,
    alerts: pd.DataFrame,
    incidents: Sequence[Mapping[str, Any]],
    actions: pd.DataFrame,
    *,
    sim_seconds: float,
    wall_seconds: float,
    stable_for: float = 120.0,
    grace: float = 300.0,
    failed_requests: float | None = None,
    error_budget_consumed: float | None = None,
    callers: Mapping[str, Iterable[str]] | None = None,
) -> tuple[RunScores, list[FaultScore]]:
    """Score one run: the run's scores and one row per fault, in ground-truth order.

    ``failed_requests`` and ``error_budget_consumed`` are passed through when the caller
    measured them. ``callers`` maps a service to every service that calls it, directly or
    not: when given, a fault can only affect its target and the target's callers, so that a
    service made sick by another, overlapping fault is not charged to this one.
    """
    tables = {"ground_truth": ground_truth, "health": health, "alerts": alerts}
    for name, frame in {**tables, "actions": actions}.items():
        _require(name, frame)
    run_end = float(sim_seconds)
    episodes = alert_episodes(alerts, run_end)
    views = [IncidentView.of(incident) for incident in incidents]
    judge = _Judge(unhealthy_spans(health, run_end), episodes, views, actions, run_end)
    judge.callers = {s: frozenset(c) for s, c in (callers or {}).items()} if callers else None
    scores = [judge.score(fault, stable_for, grace) for fault in rows(ground_truth)]
    facts = _RunFacts(
        episodes=len(episodes),
        true_episodes=judge.true_episodes(),
        incidents=len(views),
        sim_seconds=run_end,
        wall_seconds=float(wall_seconds),
        failed_requests=failed_requests,
        error_budget_consumed=error_budget_consumed,
    )
    run = _aggregate(scores, actions, facts)
    logger.debug(
        "scored %s faults: %s detected, %s recovered", run.faults, run.detected, run.recovered
    )
    return run, scores


def fault_frame(scores: Sequence[FaultScore]) -> pd.DataFrame:
    """Tabulate per-fault scores for a report."""
    columns = [f.name for f in fields(FaultScore)]
    return pd.DataFrame([s.to_dict() for s in scores], columns=columns)


@dataclass(frozen=True, slots=True)
class _RunFacts:
    """What the run scores need besides the per-fault rows and the actions."""

    episodes: int
    true_episodes: int
    incidents: int
    sim_seconds: float
    wall_seconds: float
    failed_requests: float | None
    error_budget_consumed: float | None


@dataclass(frozen=True, slots=True)
class _Episode:
    """One firing episode, as the judge reads it."""

    service: str | None
    alertname: str
    firing_at: float
    resolved_at: float


@dataclass(frozen=True, slots=True)
class _Action:
    """One audited action, as the judge reads it."""

    t: float
    incident_id: str | None
    service: str | None
    actor: str
    accepted: bool


@dataclass(frozen=True, slots=True)
class _Window:
    """A scored fault's detection window and the services it hit."""

    start: float
    until: float
    affected: frozenset[str]


class _Judge:
    """Scores faults one by one against the run's health, alerts, incidents and actions."""

    def __init__(
        self,
        sick: Mapping[str, list[Span]],
        episodes: pd.DataFrame,
        incidents: Sequence[IncidentView],
        actions: pd.DataFrame,
        run_end: float,
    ) -> None:
        self.sick = sick
        self.episodes = [
            _Episode(optional_text(e.service), str(e.alertname), e.firing_at, e.resolved_at)
            for e in rows(episodes)
        ]
        opened = [i for i in incidents if i.opened_at is not None]
        self.incidents = sorted(opened, key=lambda i: i.opened_at or 0.0)
        self.actions = [_action(a) for a in rows(actions.sort_values("t", kind="stable"))]
        self.run_end = run_end
        self.windows: list[_Window] = []
        self.callers: Mapping[str, frozenset[str]] | None = None

    def score(self, fault: Any, stable_for: float, grace: float) -> FaultScore:
        """Score one ground-truth row, remembering its window for the false-alert count."""
        start = float(fault.start)
        end = None if pd.isna(fault.end) else float(fault.end)
        cause_until = self.run_end if end is None else end
        affected = self._affected(str(fault.service), start, cause_until)
        sick = merge(span for s in affected for span in self.sick.get(s, ()))
        # Recovery is searched from the first harm, not from the start (see the notes); a
        # fault that never harmed has no recovery to time.
        impact = first_overlap(sick, start, cause_until)
        recovered = None if impact is None else recovery(sick, impact, stable_for, self.run_end)
        if impact is not None and recovered is None:
            until = self.run_end
        else:
            # A cause that outlives the harm (or does no harm) can still be detected until
            # it ends: an alert's own `for` may be longer than the harm lasted.
            until = max(cause_until, recovered or start) + grace
        window = _Window(start, until, affected)
        self.windows.append(window)

        first = self._first_detection(window)
        incident = self._incident(window, str(fault.service))
        acted = self._fault_actions(incident, window)
        return FaultScore(
            fault_id=str(fault.fault_id),
            kind=str(fault.kind),
            service=str(fault.service),
            start=start,
            end=end,
            affected=tuple(sorted(affected)),
            impacted=impact is not None,
            recovered_at=recovered,
            detected=first is not None,
            ttd_s=_since(first.firing_at if first else None, start),
            first_alert=first.alertname if first else None,
            incident_id=incident.id if incident else None,
            tta_s=_since(incident.acknowledged_at if incident else None, start),
            ttm_s=_since(min((a.t for a in acted if a.accepted), default=None), start),
            ttr_s=_since(recovered, start),
            dos_resolved_s=_since(incident.resolved_at if incident else None, start),
            rca_rank=incident.rank_of(str(fault.service)) if incident else None,
            cause_correct=_cause_correct(incident, str(fault.kind)),
            auto_remediated=_auto_remediated(acted, recovered) if impact is not None else None,
        )

    def true_episodes(self) -> int:
        """Count the episodes that meet a scored fault's window on a service it hit."""
        return sum(any(_explains(w, e) for w in self.windows) for e in self.episodes)

    def _affected(self, target: str, start: float, end: float) -> frozenset[str]:
        """Return the target plus every service unhealthy in ``[start, end)`` it can reach.

        Without a call graph every unhealthy service counts; with one, only the target's
        callers, since a fault's harm travels upstream.
        """
        hit = {s for s, spans in self.sick.items() if first_overlap(spans, start, end) is not None}
        if self.callers is not None:
            hit &= self.callers.get(target, frozenset())
        return frozenset(hit | {target})

    def _first_detection(self, window: _Window) -> _Episode | None:
        """Return the first episode that detects the fault, if any."""
        # Episodes are in firing order, so the first match is the earliest detection.
        for episode in self.episodes:
            fired_inside = window.start <= episode.firing_at < window.until
            if fired_inside and episode.service in window.affected:
                return episode
        return None

    def _incident(self, window: _Window, target: str) -> IncidentView | None:
        """Return the incident opened for the fault: on its target first, else the earliest."""
        opened = [
            i
            for i in self.incidents
            if i.opened_at is not None
            and window.start <= i.opened_at < window.until
            and i.service in window.affected
        ]
        on_target = [i for i in opened if i.service == target]
        return (on_target or opened or [None])[0]

    def _fault_actions(self, incident: IncidentView | None, window: _Window) -> list[_Action]:
        """Return the actions filed under the incident, and loose ones aimed at the fault."""
        chosen = []
        for action in self.actions:
            filed = incident is not None and action.incident_id == incident.id
            loose = (
                action.incident_id is None
                and action.service in window.affected
                and window.start <= action.t < window.until
            )
            if filed or loose:
                chosen.append(action)
        return chosen


def _require(table: str, frame: pd.DataFrame) -> None:
    """Reject a table that lacks a column the scores read."""
    for column in _REQUIRED[table]:
        if column not in frame.columns:
            raise ScoreInputError(table, column, frame.columns)


def _action(row: Any) -> _Action:
    """Read one row of the actions table."""
    return _Action(
        t=float(row.t),
        incident_id=optional_text(row.incident_id),
        service=optional_text(row.service),
        actor=(optional_text(row.actor) or "").lower(),
        accepted=optional_text(row.status) in _TOOK_EFFECT,
    )


def _explains(window: _Window, episode: _Episode) -> bool:
    """Tell whether ``episode`` meets ``window`` on a service the fault hit."""
    named = episode.service is None or episode.service in window.affected
    met = overlaps(episode.firing_at, episode.resolved_at, window.start, window.until)
    return named and met


def _auto_remediated(acted: Sequence[_Action], recovered: float | None) -> bool:
    """Tell whether DOS alone acted before the fault recovered."""
    if recovered is None:
        return False
    before = [a for a in acted if a.accepted and a.t <= recovered]
    by_dos = any(a.actor == _DOS_ACTOR for a in before)
    return by_dos and all(a.actor == _DOS_ACTOR for a in before)


def _cause_correct(incident: IncidentView | None, kind: str) -> bool | None:
    """Tell whether the top RCA cause is the one the fault kind calls for."""
    expected = EXPECTED_CAUSES.get(kind)
    if incident is None or expected is None:
        return None
    return incident.top_cause == expected


def _aggregate(scores: Sequence[FaultScore], actions: pd.DataFrame, facts: _RunFacts) -> RunScores:
    """Combine per-fault scores and run facts into the run's scores."""
    detected = [s.ttd_s for s in scores if s.ttd_s is not None]
    with_incident = [s for s in scores if s.incident_id is not None]
    in_top3 = [s.rca_rank is not None and s.rca_rank <= 3 for s in with_incident]
    causes = [s.cause_correct for s in with_incident if s.cause_correct is not None]
    impacted = [s for s in scores if s.impacted]
    recovered = sum(s.recovered_at is not None for s in impacted)
    remediated = [s.auto_remediated for s in impacted if s.auto_remediated is not None]
    false_alerts = facts.episodes - facts.true_episodes
    days = facts.sim_seconds / 86400.0
    status = actions["status"].astype(object)
    return RunScores(
        faults=len(scores),
        detected=len(detected),
        missed=len(scores) - len(detected),
        recall=_share(len(detected), len(scores)),
        alert_episodes=facts.episodes,
        false_alerts=false_alerts,
        precision=_share(facts.true_episodes, facts.episodes),
        false_alerts_per_day=false_alerts / days if days > 0 else None,
        mttd_s=_mean(detected),
        mttd_median_s=float(np.median(detected)) if detected else None,
        mttd_p90_s=float(np.percentile(detected, 90)) if detected else None,
        mtta_s=_mean([s.tta_s for s in scores if s.tta_s is not None]),
        mttm_s=_mean([s.ttm_s for s in scores if s.ttm_s is not None]),
        mttr_s=_mean([s.ttr_s for s in scores if s.ttr_s is not None]),
        mean_dos_resolved_s=_mean(
            [s.dos_resolved_s for s in scores if s.dos_resolved_s is not None]
        ),
        recovered=recovered,
        unrecovered=len(impacted) - recovered,
        no_impact=len(scores) - len(impacted),
        incidents=facts.incidents,
        rca_top1=_share(sum(s.rca_rank == 1 for s in with_incident), len(with_incident)),
        rca_top3=_share(sum(in_top3), len(in_top3)),
        rca_cause_accuracy=_share(sum(causes), len(causes)),
        auto_remediated=_share(sum(remediated), len(remediated)),
        actions_total=len(actions),
        actions_rejected=int(status.isin(_REFUSED).sum()),
        guardrail_trips=int((status == AuditStatus.BLOCKED.value).sum()),
        actions_failed=int((status == AuditStatus.FAILED.value).sum()),
        failed_requests=facts.failed_requests,
        error_budget_consumed=facts.error_budget_consumed,
        sim_seconds=facts.sim_seconds,
        wall_seconds=facts.wall_seconds,
        speedup=facts.sim_seconds / facts.wall_seconds if facts.wall_seconds > 0 else None,
    )


def _since(t: float | None, start: float) -> float | None:
    """Return ``t - start``, or None when ``t`` is unknown."""
    return None if t is None else t - start


def _share(part: int, whole: int) -> float | None:
    """Return ``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None


def _mean(values: Sequence[float]) -> float | None:
    """Return the mean of ``values``, or None when there are none."""
    return float(np.mean(values)) if values else None


def _plain(value: Any) -> float | int | None:
    """Turn a score into a JSON-ready value: NaN and infinities become None."""
    if value is None:
        return None
    if isinstance(value, bool | int | np.integer):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None
