from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dos.actions import Action, ActionKind, ActionResult, ActionStatus
from dos.config import GuardrailsConfig, PolicyConfig
from dos.rca import Candidate, Cause
from dos.remediation import AuditStatus, PlanRequest, Remediator, Step
from dos.telemetry import EventKind, TimelineEvent


class RecordingActuator:
    """Answers every action with ``answer`` and keeps what it was given."""

    def __init__(self, answer: ActionStatus = ActionStatus.ACCEPTED) -> None:
        self.answer = answer
        self.submitted: list[Action] = []

    def submit(self, action: Action, now: float) -> ActionResult:
        self.submitted.append(action)
        return ActionResult(action, self.answer, now, f"{self.answer} by test")


class RaisingActuator:
    def submit(self, action: Action, now: float) -> ActionResult:
        raise TimeoutError("control plane timed out")


def config(**rails: Any) -> PolicyConfig:
    return PolicyConfig(name="auto", guardrails=GuardrailsConfig(**rails))


def cpu_request(replicas: int = 3) -> PlanRequest:
    candidate = Candidate("frontend", "frontend-1", Cause.CPU_SATURATION, 0.9, ())
    return PlanRequest("shop", "frontend", candidate, ("cpu_high",), replicas)


def effect(kind: EventKind, action_id: str, t: float, pod: str | None = None) -> TimelineEvent:
    return TimelineEvent(t, kind, "shop", "frontend", pod, kind, "", {"action_id": action_id})


def test_the_cpu_plan_goes_out_one_step_per_confirmation() -> None:
    actuator = RecordingActuator()
    rem = Remediator(config(), actuator)
    rem.start_round("INC-0001", cpu_request(), 300.0)
    first = rem.advance("INC-0001", "shop", 300.0)
    assert [(r.action_id, r.kind, r.replicas) for r in first] == [("a1", ActionKind.SCALE, 4)]
    assert rem.advance("INC-0001", "shop", 315.0) == []

    rem.observe(effect(EventKind.SCALING, "a1", 301.0))
    rem.observe(effect(EventKind.POD_CREATED, "a1", 301.0, "frontend-4"))
    assert rem.settle() == []  # the new pod is not ready yet
    rem.observe(effect(EventKind.POD_READY, "a1", 330.0, "frontend-4"))
    assert [(r.action_id, r.confirmed_at) for r in rem.settle()] == [("a1", 330.0)]
    second = rem.advance("INC-0001", "shop", 345.0)
    assert [(r.action_id, r.kind, r.pod) for r in second] == [
        ("a2", ActionKind.DRAIN, "frontend-1")
    ]

    rem.observe(effect(EventKind.DRAINED, "a2", 346.0, "frontend-1"))
    third = rem.advance("INC-0001", "shop", 360.0)
    assert [r.kind for r in third] == [ActionKind.DELETE_POD]
    current = rem.current_round("INC-0001")
    assert current is not None
    assert not current.finished
    rem.observe(effect(EventKind.POD_DELETED, "a3", 361.0, "frontend-1"))
    rem.advance("INC-0001", "shop", 375.0)
    assert current.finished
    assert current.confirmed
    assert [a.id for a in actuator.submitted] == ["a1", "a2", "a3"]
    assert all(a.incident_id == "INC-0001" for a in actuator.submitted)


def test_an_effect_event_of_the_wrong_kind_or_id_confirms_nothing() -> None:
    rem = Remediator(config(), RecordingActuator())
    rem.start_round("INC-0001", cpu_request(), 300.0)
    rem.advance("INC-0001", "shop", 300.0)
    rem.observe(effect(EventKind.DRAINED, "a1", 310.0))
    rem.observe(effect(EventKind.SCALING, "a9", 310.0))
    assert rem.settle() == []
    assert rem.audit[0].status is AuditStatus.ACCEPTED


def test_a_failure_event_fails_the_waiting_action_and_ends_its_round() -> None:
    actuator = RecordingActuator()
    rem = Remediator(config(max_failed_in_row=3), actuator)
    rem.start_round("INC-0001", cpu_request(), 300.0)
    rem.advance("INC-0001", "shop", 300.0)
    failure = TimelineEvent(
        302.0,
        EventKind.SCALING,
        "shop",
        "frontend",
        None,
        "FailedScale",
        "quota exceeded",
        {"action_id": "a1", "status": "failed"},
    )
    rem.observe(failure)
    assert rem.advance("INC-0001", "shop", 315.0) == []
    assert rem.audit[0].status is AuditStatus.FAILED
    assert rem.audit[0].message == "failed: quota exceeded"
    current = rem.current_round("INC-0001")
    assert current is not None
    assert current.finished
    assert [a.id for a in actuator.submitted] == ["a1"]


def test_a_blocked_step_is_recorded_and_the_plan_goes_on() -> None:
    actuator = RecordingActuator()
    rem = Remediator(config(allowed_actions={"*": ["drain", "delete_pod"]}), actuator)
    rem.start_round("INC-0001", cpu_request(), 300.0)
    made = rem.advance("INC-0001", "shop", 300.0)
    assert [(r.kind, r.status) for r in made] == [
        (ActionKind.SCALE, AuditStatus.BLOCKED),
        (ActionKind.DRAIN, AuditStatus.ACCEPTED),
    ]
    assert made[0].guardrail == "allowed_actions"
    assert [a.kind for a in actuator.submitted] == [ActionKind.DRAIN]


def test_scaling_past_the_maximum_never_reaches_the_actuator() -> None:
    actuator = RecordingActuator()
    rem = Remediator(config(max_replicas=3), actuator)
    rem.start_round("INC-0001", cpu_request(replicas=3), 300.0)
    made = rem.advance("INC-0001", "shop", 300.0)
    assert made[0].status is AuditStatus.BLOCKED
    assert made[0].guardrail == "max_replicas"
    assert all(a.kind is not ActionKind.SCALE for a in actuator.submitted)


def test_the_action_budget_blocks_the_steps_beyond_it() -> None:
    rem = Remediator(config(max_actions_per_incident=1), RecordingActuator())
    rem.start_round("INC-0001", cpu_request(), 300.0)
    rem.advance("INC-0001", "shop", 300.0)
    rem.observe(effect(EventKind.SCALING, "a1", 301.0))
    rem.observe(effect(EventKind.POD_READY, "a1", 330.0))
    made = rem.advance("INC-0001", "shop", 345.0)
    assert [(r.status, r.guardrail) for r in made] == [
        (AuditStatus.BLOCKED, "max_actions_per_incident"),
        (AuditStatus.BLOCKED, "max_actions_per_incident"),
    ]
    assert "action budget spent" in rem.close_round("INC-0001", helped=False)
    assert not rem.can_plan("INC-0001")


def test_cooldown_blocks_the_second_rounds_repeat() -> None:
    request = PlanRequest("shop", "frontend", Candidate("frontend", None, Cause.MEMORY_LEAK, 0.9))
    rem = Remediator(config(cooldown="5m", max_failed_in_row=5), RecordingActuator())
    rem.start_round("INC-0001", request, 300.0)
    assert rem.advance("INC-0001", "shop", 300.0)[0].status is AuditStatus.ACCEPTED
    rem.close_round("INC-0001", helped=False)
    rem.start_round("INC-0001", request, 420.0)
    again = rem.advance("INC-0001", "shop", 420.0)
    assert [(r.status, r.guardrail) for r in again] == [(AuditStatus.BLOCKED, "cooldown")]


def test_failed_actions_trip_the_circuit_breaker_and_stop_automation() -> None:
    actuator = RecordingActuator(ActionStatus.FAILED)
    rem = Remediator(config(max_failed_in_row=2, cooldown="0s"), actuator)
    rem.start_round("INC-0001", cpu_request(), 300.0)
    made = rem.advance("INC-0001", "shop", 300.0)
    assert [r.status for r in made] == [AuditStatus.FAILED]  # the round stops at the failure
    assert rem.can_plan("INC-0001")
    rem.start_round("INC-0001", cpu_request(), 400.0)
    rem.advance("INC-0001", "shop", 400.0)
    assert "circuit breaker: 2 actions" in rem.stopped("INC-0001")
    assert not rem.can_plan("INC-0001")
    assert len(actuator.submitted) == 2


def test_actions_that_did_not_help_count_towards_the_breaker() -> None:
    rem = Remediator(config(max_failed_in_row=2), RecordingActuator())
    rem.start_round("INC-0001", cpu_request(), 300.0)
    rem.advance("INC-0001", "shop", 300.0)
    rem.observe(effect(EventKind.SCALING, "a1", 330.0))
    assert [r.kind for r in rem.advance("INC-0001", "shop", 345.0)] == [ActionKind.DRAIN]
    assert rem.close_round("INC-0001", helped=False).startswith("circuit breaker: 2 actions")


def test_an_actuator_that_raises_is_recorded_as_a_failure() -> None:
    rem = Remediator(config(), RaisingActuator())
    rem.start_round("INC-0001", cpu_request(), 300.0)
    made = rem.advance("INC-0001", "shop", 300.0)
    assert made[0].status is AuditStatus.FAILED
    assert "control plane timed out" in made[0].message


def test_dry_run_records_the_whole_plan_and_submits_nothing() -> None:
    actuator = RecordingActuator()
    rem = Remediator(config(dry_run=True), actuator)
    rem.start_round("INC-0001", cpu_request(), 300.0)
    made = rem.advance("INC-0001", "shop", 300.0)
    assert [(r.kind, r.status) for r in made] == [
        (ActionKind.SCALE, AuditStatus.DRY_RUN),
        (ActionKind.DRAIN, AuditStatus.DRY_RUN),
        (ActionKind.DELETE_POD, AuditStatus.DRY_RUN),
    ]
    assert actuator.submitted == []
    current = rem.current_round("INC-0001")
    assert current is not None
    assert current.finished
    assert not current.acted


def test_action_ids_run_on_across_incidents() -> None:
    rem = Remediator(config(), RecordingActuator())
    rem.start_round("INC-0001", cpu_request(), 300.0)
    rem.advance("INC-0001", "shop", 300.0)
    request = PlanRequest("shop", "cart", Candidate("cart", None, Cause.BAD_DEPLOY, 0.8))
    rem.start_round("INC-0002", request, 310.0)
    made = rem.advance("INC-0002", "shop", 310.0)
    assert [(r.action_id, r.incident_id) for r in made] == [("a2", "INC-0002")]


class RandomPolicy:
    """Proposes random steps, some of them absurd, from a seeded generator."""

    name = "random"

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def plan(self, request: PlanRequest) -> list[Step]:
        kinds = list(ActionKind)
        steps = []
        for _ in range(int(self.rng.integers(0, 5))):
            kind = kinds[int(self.rng.integers(len(kinds)))]
            service = str(self.rng.choice(["frontend", "cart", "payment"]))
            pod = str(self.rng.choice(["p1", "p2"])) if self.rng.random() < 0.8 else None
            replicas = int(self.rng.integers(-2, 30)) if self.rng.random() < 0.9 else None
            steps.append(Step(kind, service, pod, replicas))
        return steps


class RandomActuator(RecordingActuator):
    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__()
        self.rng = rng

    def submit(self, action: Action, now: float) -> ActionResult:
        self.answer = [ActionStatus.ACCEPTED, ActionStatus.FAILED, ActionStatus.REJECTED][
            int(self.rng.choice(3, p=[0.6, 0.2, 0.2]))
        ]
        return super().submit(action, now)


@pytest.mark.parametrize("seed", range(20))
def test_guardrails_hold_whatever_the_policy_proposes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rails = GuardrailsConfig(
        allowed_actions={"*": ["scale", "restart"], "payment": ["drain"]},
        max_actions_per_incident=4,
        max_failed_in_row=2,
        cooldown="1m",
        max_replicas=6,
    )
    actuator = RandomActuator(rng)
    rem = Remediator(PolicyConfig(guardrails=rails), actuator, policy=RandomPolicy(rng))
    now = 0.0
    for _ in range(200):
        now += 15.0
        incident = f"INC-{int(rng.integers(1, 4)):04d}"
        if rem.can_plan(incident):
            rem.start_round(incident, PlanRequest("shop", "frontend", None), now)
        rem.advance(incident, "shop", now)
        for record in rem.audit:
            if record.took_effect and rng.random() < 0.5:
                kind = {ActionKind.SCALE: EventKind.SCALING, ActionKind.RESTART: EventKind.RESTART}
                event = kind.get(record.kind, EventKind.DRAINED)
                rem.observe(effect(event, record.action_id, now))
        if rng.random() < 0.1:
            rem.close_round(incident, helped=False)

    submitted = actuator.submitted
    allowed = {
        "frontend": {"scale", "restart"},
        "cart": {"scale", "restart"},
        "payment": {"drain"},
    }
    assert all(a.kind in allowed[a.service] for a in submitted)
    assert all(
        a.replicas is not None and 1 <= a.replicas <= 6 for a in submitted if a.kind == "scale"
    )
    for incident in {a.incident_id for a in submitted}:
        mine = [r for r in rem.audit if r.incident_id == incident and r.status != "blocked"]
        assert len(mine) <= rails.max_actions_per_incident
        failed = 0
        for record in mine:  # nothing is submitted once two in a row failed
            assert failed < rails.max_failed_in_row
            failed = failed + 1 if record.status in {"failed", "rejected"} else 0
    last: dict[tuple[str, str], float] = {}
    for record in rem.audit:
        if record.status == "blocked":
            continue
        key = (record.service, str(record.kind))
        assert record.submitted_at - last.get(key, -1e9) >= 60.0
        last[key] = record.submitted_at
