"""The remediator: carries a policy's plan out through the actuator, step by step.

An incident gets its actions in *rounds*. A round is one plan; its steps go out in order,
each only after the previous one was confirmed (its effect event arrived), so new
capacity is ready before a pod is drained, and a drained pod is out of rotation before
it is deleted. A step a guardrail refuses is recorded and skipped; a step the actuator
rejects or fails ends the round. When a round did not help (the caller's verification
timed out), its actions count towards the circuit breaker; once the breaker or the
action budget is spent, automation stops for that incident and a human takes over.

Effects are matched by the ``action_id`` attribute actuators put on the events an action
causes. An action is confirmed once its own event arrived (``scaling``, ``drained``,
``pod_deleted``, ``restart``, ``rollback``) and every pod it created is ready; an event
with ``status=failed`` marks it failed.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from dos.actions import Action, ActionKind, ActionResult, ActionStatus, Actuator
from dos.config import PolicyConfig
from dos.remediation.audit import AuditRecord, AuditStatus
from dos.remediation.guardrails import Guardrails
from dos.remediation.policies import PlanRequest, Policy, Step, make_policy
from dos.telemetry import EventKind, TimelineEvent

__all__ = ["Remediator", "Round"]

logger = logging.getLogger(__name__)

# The event that shows each kind of action took effect.
_EFFECT: dict[ActionKind, EventKind] = {
    ActionKind.SCALE: EventKind.SCALING,
    ActionKind.DRAIN: EventKind.DRAINED,
    ActionKind.DELETE_POD: EventKind.POD_DELETED,
    ActionKind.RESTART: EventKind.RESTART,
    ActionKind.ROLLBACK: EventKind.ROLLBACK,
}

_ANSWER = {
    ActionStatus.ACCEPTED: AuditStatus.ACCEPTED,
    ActionStatus.REJECTED: AuditStatus.REJECTED,
    ActionStatus.FAILED: AuditStatus.FAILED,
    ActionStatus.DRY_RUN: AuditStatus.DRY_RUN,
}


@dataclass
class Round:
    """One plan for one incident and what became of its steps."""

    number: int
    started_at: float
    steps: deque[Step]
    records: list[AuditRecord] = field(default_factory=list)
    waiting: AuditRecord | None = None
    aborted: bool = False

    @property
    def finished(self) -> bool:
        """Tell whether no step is left to submit or to wait for."""
        return self.aborted or (not self.steps and self.waiting is None)

    @property
    def confirmed(self) -> bool:
        """Tell whether at least one action took effect and all that were accepted did."""
        accepted = [r for r in self.records if r.took_effect]
        return bool(accepted) and all(r.status is AuditStatus.CONFIRMED for r in accepted)

    @property
    def acted(self) -> bool:
        """Tell whether the actuator accepted any of the round's actions."""
        return any(r.took_effect for r in self.records)


@dataclass
class _Effects:
    """What the telemetry showed of one accepted action so far."""

    kinds: set[EventKind] = field(default_factory=set)
    created: int = 0
    ready: int = 0
    failure: str = ""
    last_at: float = 0.0


@dataclass
class _Track:
    """An incident's remediation so far."""

    taken: int = 0
    failed_in_row: int = 0
    stopped: str = ""
    rounds: list[Round] = field(default_factory=list)


class Remediator:
    """Plan with a policy, check with guardrails, submit through an actuator, audit it all."""

    def __init__(
        self, config: PolicyConfig, actuator: Actuator, *, policy: Policy | None = None
    ) -> None:
        self.config = config
        self.actuator = actuator
        self.policy = policy if policy is not None else make_policy(config)
        self.guardrails = Guardrails(config.guardrails)
        self.audit: list[AuditRecord] = []
        self._tracks: dict[str, _Track] = {}
        self._records: dict[str, AuditRecord] = {}
        self._effects: dict[str, _Effects] = {}

    # -- state the caller reads ----------------------------------------------------------

    def current_round(self, incident_id: str) -> Round | None:
        """Return the incident's latest round, if it had one."""
        rounds = self._track(incident_id).rounds
        return rounds[-1] if rounds else None

    def stopped(self, incident_id: str) -> str:
        """Return why automation stopped for the incident, empty while it may still act."""
        return self._track(incident_id).stopped

    def can_plan(self, incident_id: str) -> bool:
        """Tell whether a new round may start: automation on and no round in progress."""
        track = self._track(incident_id)
        current = track.rounds[-1] if track.rounds else None
        return not track.stopped and (current is None or current.finished)

    # -- the work ------------------------------------------------------------------------

    def start_round(self, incident_id: str, request: PlanRequest, now: float) -> Round:
        """Ask the policy for a plan and start a new round with it at ``now``."""
        track = self._track(incident_id)
        steps = self.policy.plan(request)
        current = Round(len(track.rounds) + 1, now, deque(steps))
        track.rounds.append(current)
        logger.info(
            "%s: round %d planned %s",
            incident_id,
            current.number,
            [str(s.kind) for s in steps],
            extra={"incident_id": incident_id, "service": request.service},
        )
        return current

    def advance(self, incident_id: str, namespace: str, now: float) -> list[AuditRecord]:
        """Submit the current round's next steps, as far as confirmations allow."""
        self.settle()
        track = self._track(incident_id)
        current = track.rounds[-1] if track.rounds else None
        made: list[AuditRecord] = []
        while current is not None and not current.finished:
            if current.waiting is not None:
                if current.waiting.status is AuditStatus.ACCEPTED:
                    break
                current.waiting = None
                continue
            step = current.steps.popleft()
            made.append(self._take(track, current, incident_id, namespace, step, now))
        return made

    def observe(self, event: TimelineEvent) -> None:
        """Take note of ``event`` if it is an effect of an action still awaiting one."""
        effects = self._effects.get(event.attributes.get("action_id", ""))
        if effects is None:
            return
        if event.attributes.get("status") == "failed":
            effects.failure = event.message or str(event.kind)
        effects.kinds.add(event.kind)
        effects.created += event.kind is EventKind.POD_CREATED
        effects.ready += event.kind is EventKind.POD_READY
        effects.last_at = max(effects.last_at, event.timestamp)

    def settle(self) -> list[AuditRecord]:
        """Confirm or fail the accepted actions whose effects arrived; return those changed.

        Evaluated after whole batches, since an action's own event and the pods it
        creates arrive together.
        """
        changed = []
        for action_id, effects in list(self._effects.items()):
            record = self._records[action_id]
            if effects.failure:
                self._fail(record, effects.failure)
            elif _EFFECT[record.kind] in effects.kinds and effects.ready >= effects.created:
                record.status = AuditStatus.CONFIRMED
                record.confirmed_at = effects.last_at
            else:
                continue
            del self._effects[action_id]
            changed.append(record)
        return changed

    def close_round(self, incident_id: str, *, helped: bool) -> str:
        """End the current round; if it did not help, count its actions towards the breaker.

        Return why automation stopped because of it, or an empty string.
        """
        track = self._track(incident_id)
        current = track.rounds[-1] if track.rounds else None
        if current is None:
            return track.stopped
        current.aborted = True
        current.waiting = None
        current.steps.clear()
        if helped:
            track.failed_in_row = 0
            return track.stopped
        track.failed_in_row += sum(1 for r in current.records if r.took_effect)
        return self._maybe_stop(track)

    # -- internals -----------------------------------------------------------------------

    def _take(
        self,
        track: _Track,
        current: Round,
        incident_id: str,
        namespace: str,
        step: Step,
        now: float,
    ) -> AuditRecord:
        """Check one step against the guardrails and submit it (or record why not)."""
        action = Action(
            id=f"a{len(self.audit) + 1}",
            kind=step.kind,
            namespace=namespace,
            service=step.service,
            pod=step.pod,
            replicas=step.replicas,
            reason=step.reason,
            incident_id=incident_id,
        )
        trip = self.guardrails.check(
            action, now, taken=track.taken, failed_in_row=track.failed_in_row
        )
        if trip is not None:
            record = self._record(action, current, now, AuditStatus.BLOCKED, trip.message)
            record.guardrail = trip.guardrail
            return record
        track.taken += 1
        self.guardrails.note(action, now)
        if self.config.guardrails.dry_run:
            return self._record(
                action, current, now, AuditStatus.DRY_RUN, "dry run: not submitted"
            )
        result = self._submit(action, now)
        record = self._record(action, current, now, _ANSWER[result.status], result.message)
        if record.status is AuditStatus.ACCEPTED:
            current.waiting = record
            self._effects[record.action_id] = _Effects()
        elif record.status in {AuditStatus.REJECTED, AuditStatus.FAILED}:
            self._count_failure(track, current)
        return record

    def _fail(self, record: AuditRecord, why: str) -> None:
        """Mark an accepted action failed after the fact; count it if its round still waits.

        An action of a round already closed was counted when the round closed.
        """
        record.status = AuditStatus.FAILED
        record.message = f"failed: {why}"
        track = self._track(record.incident_id)
        current = track.rounds[-1] if track.rounds else None
        if current is not None and current.waiting is record:
            self._count_failure(track, current)

    def _count_failure(self, track: _Track, current: Round) -> None:
        """Count a failed action and end its round."""
        # The cluster may be half-changed: stop this round rather than pile steps on it.
        track.failed_in_row += 1
        current.aborted = True
        current.waiting = None
        self._maybe_stop(track)

    def _submit(self, action: Action, now: float) -> ActionResult:
        """Hand ``action`` to the actuator; an actuator that raises counts as a failure."""
        try:
            return self.actuator.submit(action, now)
        # Whatever the actuator does wrong, DOS records it and goes on.
        except Exception as error:
            logger.warning("actuator raised on %s: %s", action.id, error)
            return ActionResult(action, ActionStatus.FAILED, now, f"actuator raised {error!r}")

    def _record(
        self, action: Action, current: Round, now: float, status: AuditStatus, message: str
    ) -> AuditRecord:
        record = AuditRecord(
            action_id=action.id,
            incident_id=action.incident_id or "",
            kind=action.kind,
            namespace=action.namespace,
            service=action.service,
            pod=action.pod,
            replicas=action.replicas,
            reason=action.reason,
            submitted_at=now,
            status=status,
            message=message,
            round=current.number,
        )
        self.audit.append(record)
        self._records[record.action_id] = record
        current.records.append(record)
        logger.info(
            "%s %s %s: %s %s",
            record.action_id,
            record.kind,
            record.service,
            record.status,
            message,
            extra={"incident_id": record.incident_id, "service": record.service},
        )
        return record

    def _maybe_stop(self, track: _Track) -> str:
        """Stop automation when the breaker trips or the action budget is spent."""
        rails = self.config.guardrails
        if not track.stopped and track.failed_in_row >= rails.max_failed_in_row:
            track.stopped = (
                f"circuit breaker: {track.failed_in_row} actions in a row did not help "
                f"(limit {rails.max_failed_in_row})"
            )
        elif not track.stopped and track.taken >= rails.max_actions_per_incident:
            track.stopped = (
                f"action budget spent: {track.taken} actions "
                f"(limit {rails.max_actions_per_incident})"
            )
        return track.stopped

    def _track(self, incident_id: str) -> _Track:
        return self._tracks.setdefault(incident_id, _Track())
