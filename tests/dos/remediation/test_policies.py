from __future__ import annotations

import pytest

from dos.actions import ActionKind
from dos.config import PolicyConfig
from dos.rca import Candidate, Cause
from dos.remediation import (
    AutoRemediation,
    NoRemediation,
    PlanRequest,
    Step,
    make_policy,
    manual_steps,
)


def request(
    cause: Cause | None,
    pod: str | None = None,
    replicas: int | None = 3,
    rules: tuple[str, ...] = (),
) -> PlanRequest:
    candidate = Candidate("frontend", pod, cause, 0.9, ()) if cause is not None else None
    return PlanRequest("shop", "frontend", candidate, rules, replicas)


def kinds(plan: list[Step]) -> list[ActionKind]:
    return [step.kind for step in plan]


def test_a_saturated_pod_is_scaled_around_drained_then_replaced() -> None:
    plan = AutoRemediation(scale_step=2).plan(request(Cause.CPU_SATURATION, "frontend-1"))
    assert kinds(plan) == [ActionKind.SCALE, ActionKind.DRAIN, ActionKind.DELETE_POD]
    assert plan[0].replicas == 5
    assert [s.pod for s in plan[1:]] == ["frontend-1", "frontend-1"]
    assert "from 3 to 5 replicas" in plan[0].reason
    assert "cpu_saturation on frontend/frontend-1" in plan[1].reason


def test_saturation_with_no_pod_to_blame_only_scales() -> None:
    plan = AutoRemediation().plan(request(Cause.CPU_SATURATION))
    assert kinds(plan) == [ActionKind.SCALE]


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (Cause.TRAFFIC_SPIKE, ActionKind.SCALE),
        (Cause.LATENCY, ActionKind.SCALE),
        (Cause.MEMORY_LEAK, ActionKind.RESTART),
        (Cause.BAD_DEPLOY, ActionKind.ROLLBACK),
        (Cause.ERRORS, ActionKind.ROLLBACK),
    ],
)
def test_each_diagnosis_gets_the_briefs_action(cause: Cause, kind: ActionKind) -> None:
    assert kinds(AutoRemediation().plan(request(cause))) == [kind]


def test_without_a_diagnosis_the_rule_that_fired_decides() -> None:
    auto = AutoRemediation()
    assert kinds(auto.plan(request(Cause.UNKNOWN, rules=("memory_high",)))) == [ActionKind.RESTART]
    assert kinds(auto.plan(request(None, rules=("ErrorRateHigh",)))) == [ActionKind.ROLLBACK]
    assert auto.plan(request(Cause.UNKNOWN, rules=("SomethingElse",))) == []


def test_scaling_is_clamped_to_the_maximum() -> None:
    plan = AutoRemediation(scale_step=3, max_replicas=4).plan(request(Cause.TRAFFIC_SPIKE))
    assert plan[0].replicas == 4


def test_at_the_maximum_the_plan_still_asks_so_the_guardrail_records_the_refusal() -> None:
    plan = AutoRemediation(max_replicas=3).plan(request(Cause.TRAFFIC_SPIKE, replicas=3))
    assert plan[0].replicas == 4


def test_unknown_replicas_leave_the_scale_without_a_count() -> None:
    plan = AutoRemediation().plan(request(Cause.TRAFFIC_SPIKE, replicas=None))
    assert plan[0].replicas is None
    assert "replicas unknown" in plan[0].reason


def test_the_none_policy_never_acts() -> None:
    assert NoRemediation().plan(request(Cause.CPU_SATURATION, "frontend-1")) == []
    assert isinstance(make_policy(PolicyConfig(name="none")), NoRemediation)
    assert (
        make_policy(PolicyConfig(name="auto", scale_step=2))
        .plan(request(Cause.TRAFFIC_SPIKE))[0]
        .replicas
        == 5
    )


def test_manual_steps_start_with_the_briefs_two_and_add_the_causes_own() -> None:
    candidate = Candidate("frontend", "frontend-1", Cause.CPU_SATURATION, 0.9, ())
    steps = manual_steps("frontend", candidate)
    assert steps[:2] == [
        "Review recent deployments of frontend",
        "Check for memory leaks in frontend",
    ]
    assert any("frontend/frontend-1" in step for step in steps[2:])
    assert manual_steps("cart", None)[-1] == "Investigate cart: DOS found no cause"
