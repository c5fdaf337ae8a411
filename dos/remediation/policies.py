"""Remediation policies: from a diagnosis to an ordered plan of steps.

``none`` detects only. ``auto`` follows the brief's table and DESIGN's decisions: CPU
saturation -> add a replica, take the saturated pod out of the load balancer, then delete
it so its ReplicaSet makes a fresh one; traffic spike or latency -> scale up; memory leak
-> restart; recent deployment or error rate -> roll back. With no usable diagnosis it
falls back on the rule that fired. Policies only propose: guardrails decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dos.actions import ActionKind
from dos.config import PolicyConfig
from dos.rca import Candidate, Cause

__all__ = [
    "AutoRemediation",
    "NoRemediation",
    "PlanRequest",
    "Policy",
    "Step",
    "make_policy",
    "manual_steps",
]


@dataclass(frozen=True, slots=True)
class Step:
    """One proposed action, before it has an id or has passed the guardrails."""

    kind: ActionKind
    service: str
    pod: str | None = None
    replicas: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What a policy plans from: the incident's service, best candidate and alerts.

    ``replicas`` is the current desired replica count of the candidate's service (of the
    incident's service without a candidate), ``None`` when unknown.
    """

    namespace: str
    service: str
    candidate: Candidate | None
    rules: tuple[str, ...] = ()
    replicas: int | None = None
    round: int = 1


class Policy(Protocol):
    """Maps a diagnosis to an ordered list of steps."""

    name: str

    def plan(self, request: PlanRequest) -> list[Step]:
        """Return the steps to take, in order; empty to take none."""
        ...


class NoRemediation:
    """Detect and diagnose only; never act."""

    name = "none"

    def plan(self, request: PlanRequest) -> list[Step]:
        """Return no steps."""
        return []


# With no usable diagnosis, the rule that fired decides (the brief's key-metrics table).
_BY_RULE = {
    "cpu_high": Cause.CPU_SATURATION,
    "CPUHigh": Cause.CPU_SATURATION,
    "memory_high": Cause.MEMORY_LEAK,
    "MemoryHigh": Cause.MEMORY_LEAK,
    "error_rate_high": Cause.ERRORS,
    "ErrorRateHigh": Cause.ERRORS,
    "latency_p99_high": Cause.LATENCY,
    "LatencyP99High": Cause.LATENCY,
}


class AutoRemediation:
    """The brief's remediation table (see the module docstring)."""

    name = "auto"

    def __init__(self, *, scale_step: int = 1, max_replicas: int = 10) -> None:
        self.scale_step = scale_step
        self.max_replicas = max_replicas

    def plan(self, request: PlanRequest) -> list[Step]:
        """Return the steps for ``request``'s best candidate, or for the rule that fired."""
        candidate = request.candidate
        cause = candidate.cause if candidate is not None else Cause.UNKNOWN
        if cause is Cause.UNKNOWN:
            cause = next((_BY_RULE[r] for r in request.rules if r in _BY_RULE), Cause.UNKNOWN)
        service = candidate.service if candidate is not None else request.service
        pod = candidate.pod if candidate is not None else None
        why = _why(cause, service, candidate)
        if cause is Cause.CPU_SATURATION:
            return self._replace_hot_pod(request, service, pod, why)
        if cause in {Cause.TRAFFIC_SPIKE, Cause.LATENCY}:
            return [self._scale(request, service, why)]
        if cause is Cause.MEMORY_LEAK:
            return [Step(ActionKind.RESTART, service, reason=f"{why}: restart the service")]
        if cause in {Cause.BAD_DEPLOY, Cause.ERRORS}:
            return [Step(ActionKind.ROLLBACK, service, reason=f"{why}: roll back")]
        return []

    def _replace_hot_pod(
        self, request: PlanRequest, service: str, pod: str | None, why: str
    ) -> list[Step]:
        """Add capacity, route traffic away from the saturated pod, then replace it."""
        steps = [self._scale(request, service, why)]
        if pod is not None:
            steps.append(Step(ActionKind.DRAIN, service, pod, reason=f"{why}: route traffic away"))
            steps.append(
                Step(ActionKind.DELETE_POD, service, pod, reason=f"{why}: replace the pod")
            )
        return steps

    def _scale(self, request: PlanRequest, service: str, why: str) -> Step:
        """Scale up by ``scale_step``, clamped to the maximum.

        At the maximum already, the step still asks for one more replica, so the guardrail
        refuses it on the record rather than the plan silently dropping it.
        """
        current = request.replicas
        if current is None:
            return Step(ActionKind.SCALE, service, reason=f"{why}: scale up (replicas unknown)")
        wanted = min(current + self.scale_step, self.max_replicas)
        if wanted <= current:
            wanted = current + self.scale_step
        reason = f"{why}: scale up from {current} to {wanted} replicas"
        return Step(ActionKind.SCALE, service, replicas=wanted, reason=reason)


def make_policy(config: PolicyConfig) -> Policy:
    """Return the policy ``config`` names."""
    if config.name == "none":
        return NoRemediation()
    return AutoRemediation(
        scale_step=config.scale_step, max_replicas=config.guardrails.max_replicas
    )


def _why(cause: Cause, service: str, candidate: Candidate | None) -> str:
    """Word the diagnosis an action answers."""
    where = f"{service}/{candidate.pod}" if candidate is not None and candidate.pod else service
    if candidate is None or candidate.cause is Cause.UNKNOWN:
        return f"{cause} on {where} (from the alert)"
    return f"{cause} on {where} (confidence {candidate.confidence:.2f})"


_CAUSE_STEPS = {
    Cause.CPU_SATURATION: [
        "Profile {target}'s CPU use (what ran hot, and why)",
        "Check that {service}'s CPU limit and replica count fit its load",
    ],
    Cause.BAD_DEPLOY: ["Inspect the rolled-back change to {service} before deploying it again"],
    Cause.TRAFFIC_SPIKE: [
        "Find where the extra traffic to {service} comes from",
        "Review {service}'s autoscaling limits",
    ],
    Cause.MEMORY_LEAK: ["Take a heap profile of {target}: a restart only buys time"],
    Cause.ERRORS: ["Read {service}'s error logs and check its dependencies"],
    Cause.LATENCY: ["Check {service}'s slow dependencies and queues"],
    Cause.UNKNOWN: ["Investigate {service}: DOS found no cause"],
}


def manual_steps(service: str, candidate: Candidate | None) -> list[str]:
    """Return what a human should still do: the brief's two steps and cause-specific ones."""
    steps = [f"Review recent deployments of {service}", f"Check for memory leaks in {service}"]
    cause = candidate.cause if candidate is not None else Cause.UNKNOWN
    target_service = candidate.service if candidate is not None else service
    target = f"{target_service}/{candidate.pod}" if candidate and candidate.pod else target_service
    steps.extend(s.format(service=target_service, target=target) for s in _CAUSE_STEPS[cause])
    return steps
