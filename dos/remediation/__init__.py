"""Remediation: policies that plan, guardrails that limit, and an audited remediator.

A :class:`Policy` turns a diagnosis into ordered steps; :class:`Guardrails` refuse what
crosses a limit; the :class:`Remediator` submits what passes through the actuator, one
step at a time, and keeps an :class:`AuditRecord` of every decision.
"""

from __future__ import annotations

from dos.remediation.audit import AuditRecord, AuditStatus
from dos.remediation.guardrails import Guardrails, GuardrailTrip
from dos.remediation.policies import (
    AutoRemediation,
    NoRemediation,
    PlanRequest,
    Policy,
    Step,
    make_policy,
    manual_steps,
)
from dos.remediation.remediator import Remediator, Round

__all__ = [
    "AuditRecord",
    "AuditStatus",
    "AutoRemediation",
    "GuardrailTrip",
    "Guardrails",
    "NoRemediation",
    "PlanRequest",
    "Policy",
    "Remediator",
    "Round",
    "Step",
    "make_policy",
    "manual_steps",
]
