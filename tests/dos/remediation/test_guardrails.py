from __future__ import annotations

from dos.actions import Action, ActionKind
from dos.config import GuardrailsConfig
from dos.remediation import Guardrails, GuardrailTrip


def action(
    kind: ActionKind,
    service: str = "frontend",
    pod: str | None = None,
    replicas: int | None = None,
) -> Action:
    return Action("a1", kind, "shop", service, pod=pod, replicas=replicas)


def check(
    rails: Guardrails, act: Action, now: float = 0.0, taken: int = 0, failed: int = 0
) -> GuardrailTrip | None:
    return rails.check(act, now, taken=taken, failed_in_row=failed)


def tripped(rails: Guardrails, act: Action) -> str:
    trip = check(rails, act)
    return trip.guardrail if trip is not None else ""


def test_a_service_entry_replaces_the_default_allow_list() -> None:
    rails = Guardrails(
        GuardrailsConfig(allowed_actions={"*": ["scale", "restart"], "payment": ["scale"]})
    )
    trip = check(rails, action(ActionKind.RESTART, "payment"))
    assert trip is not None
    assert trip.guardrail == "allowed_actions"
    assert "allowed: scale" in trip.message
    assert check(rails, action(ActionKind.RESTART, "cart")) is None
    assert check(rails, action(ActionKind.SCALE, "payment", replicas=2)) is None


def test_no_default_entry_allows_nothing() -> None:
    rails = Guardrails(GuardrailsConfig(allowed_actions={"cart": ["scale"]}))
    trip = check(rails, action(ActionKind.SCALE, "frontend", replicas=2))
    assert trip is not None
    assert "allowed: nothing" in trip.message


def test_scaling_past_max_replicas_is_refused() -> None:
    rails = Guardrails(GuardrailsConfig(max_replicas=4))
    trip = check(rails, action(ActionKind.SCALE, replicas=5))
    assert trip is not None
    assert trip.guardrail == "max_replicas"
    assert check(rails, action(ActionKind.SCALE, replicas=4)) is None


def test_the_action_budget_per_incident_holds() -> None:
    rails = Guardrails(GuardrailsConfig(max_actions_per_incident=3))
    trip = check(rails, action(ActionKind.RESTART), taken=3)
    assert trip is not None
    assert trip.guardrail == "max_actions_per_incident"
    assert check(rails, action(ActionKind.RESTART), taken=2) is None


def test_the_circuit_breaker_refuses_after_its_limit() -> None:
    rails = Guardrails(GuardrailsConfig(max_failed_in_row=2))
    trip = check(rails, action(ActionKind.RESTART), failed=2)
    assert trip is not None
    assert trip.guardrail == "circuit_breaker"
    assert check(rails, action(ActionKind.RESTART), failed=1) is None


def test_the_same_action_on_the_same_service_waits_for_its_cooldown() -> None:
    rails = Guardrails(GuardrailsConfig(cooldown="5m"))
    rails.note(action(ActionKind.RESTART), 100.0)
    trip = check(rails, action(ActionKind.RESTART), now=250.0)
    assert trip is not None
    assert trip.guardrail == "cooldown"
    assert "2m30s ago; wait 2m30s" in trip.message
    assert check(rails, action(ActionKind.RESTART), now=400.0) is None
    assert check(rails, action(ActionKind.ROLLBACK), now=250.0) is None
    assert check(rails, action(ActionKind.RESTART, "cart"), now=250.0) is None


def test_malformed_actions_are_refused() -> None:
    rails = Guardrails(GuardrailsConfig())
    assert tripped(rails, action(ActionKind.DRAIN)) == "invalid_action"
    assert tripped(rails, action(ActionKind.SCALE)) == "invalid_action"
    assert tripped(rails, action(ActionKind.SCALE, replicas=0)) == "invalid_action"
    assert tripped(rails, action(ActionKind.DRAIN, pod="frontend-1")) == ""
