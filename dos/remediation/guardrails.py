"""Guardrails: limits no remediation may cross, whatever the diagnosis or the policy.

Checked on every action just before it would be submitted, in this order: the action is
well formed, the service allows its kind (least privilege: a service's own entry replaces
the ``"*"`` default), the circuit breaker is closed, the incident's action budget is not
spent, a scale stays within ``max_replicas``, and the same kind of action on the same
service is out of its cooldown. Dry-run actions pass through the same checks, so a dry
run shows what would really have happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from dos.actions import Action, ActionKind
from dos.config import GuardrailsConfig
from dos.durations import format_duration, parse_duration

__all__ = ["GuardrailTrip", "Guardrails"]


@dataclass(frozen=True, slots=True)
class GuardrailTrip:
    """A guardrail refused an action: which one, and why in words."""

    guardrail: str
    message: str


class Guardrails:
    """Check actions against a :class:`~dos.config.GuardrailsConfig` and track cooldowns."""

    def __init__(self, config: GuardrailsConfig) -> None:
        self.config = config
        self.cooldown = parse_duration(config.cooldown, "policy.guardrails.cooldown")
        self._last: dict[tuple[str, str, ActionKind], float] = {}

    def allowed(self, service: str) -> frozenset[str]:
        """Return the action kinds ``service`` allows."""
        table = self.config.allowed_actions
        return frozenset(table.get(service, table.get("*", [])))

    def check(
        self, action: Action, now: float, *, taken: int, failed_in_row: int
    ) -> GuardrailTrip | None:
        """Return the first guardrail ``action`` trips at ``now``, or ``None`` if it may go.

        ``taken`` is the number of actions already submitted for the incident and
        ``failed_in_row`` how many of the latest did not help.
        """
        checks = (
            self._malformed(action),
            self._not_allowed(action),
            self._breaker(failed_in_row),
            self._budget(taken),
            self._too_many_replicas(action),
            self._cooling(action, now),
        )
        return next((trip for trip in checks if trip is not None), None)

    def note(self, action: Action, now: float) -> None:
        """Start the cooldown of ``action``'s kind on its service at ``now``."""
        self._last[(action.namespace, action.service, action.kind)] = now

    def _malformed(self, action: Action) -> GuardrailTrip | None:
        if action.kind is ActionKind.SCALE and (action.replicas is None or action.replicas < 1):
            return GuardrailTrip(
                "invalid_action", f"scale needs 1 or more replicas, got {action.replicas}"
            )
        if action.kind in {ActionKind.DRAIN, ActionKind.DELETE_POD} and not action.pod:
            return GuardrailTrip("invalid_action", f"{action.kind} needs a pod")
        return None

    def _not_allowed(self, action: Action) -> GuardrailTrip | None:
        allowed = self.allowed(action.service)
        if action.kind in allowed:
            return None
        listed = ", ".join(sorted(allowed)) or "nothing"
        return GuardrailTrip(
            "allowed_actions",
            f"{action.kind} is not allowed on {action.service} (allowed: {listed})",
        )

    def _breaker(self, failed_in_row: int) -> GuardrailTrip | None:
        limit = self.config.max_failed_in_row
        if failed_in_row < limit:
            return None
        return GuardrailTrip(
            "circuit_breaker", f"{failed_in_row} actions in a row did not help (limit {limit})"
        )

    def _budget(self, taken: int) -> GuardrailTrip | None:
        limit = self.config.max_actions_per_incident
        if taken < limit:
            return None
        return GuardrailTrip(
            "max_actions_per_incident", f"{taken} actions already taken (limit {limit})"
        )

    def _too_many_replicas(self, action: Action) -> GuardrailTrip | None:
        limit = self.config.max_replicas
        if action.kind is not ActionKind.SCALE or action.replicas is None:
            return None
        if action.replicas <= limit:
            return None
        return GuardrailTrip(
            "max_replicas", f"{action.replicas} replicas exceeds the limit of {limit}"
        )

    def _cooling(self, action: Action, now: float) -> GuardrailTrip | None:
        last = self._last.get((action.namespace, action.service, action.kind))
        if last is None or now - last >= self.cooldown:
            return None
        since = format_duration(round(now - last))
        wait = format_duration(round(self.cooldown - (now - last)))
        return GuardrailTrip(
            "cooldown", f"{action.kind} on {action.service} {since} ago; wait {wait}"
        )
