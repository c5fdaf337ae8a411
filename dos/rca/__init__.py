"""Root-cause analysis: ranked (service, cause) candidates with evidence, and impact.

:class:`RootCauseAnalyzer` is the protocol every method implements;
:class:`ChecklistAnalyzer` is the first one, walking the brief's checklist (recent
change, traffic spike, memory leak, CPU saturation) over the series DOS stores.
"""

from __future__ import annotations

from dos.rca.checklist import ChecklistAnalyzer
from dos.rca.graph import CallGraph
from dos.rca.model import (
    Candidate,
    Cause,
    Impact,
    ImpactAssessment,
    RCARequest,
    RCAResult,
    RootCauseAnalyzer,
)
from dos.rca.signals import InstantSample, Querier, ServiceSignals, Traffic, selector

__all__ = [
    "CallGraph",
    "Candidate",
    "Cause",
    "ChecklistAnalyzer",
    "Impact",
    "ImpactAssessment",
    "InstantSample",
    "Querier",
    "RCARequest",
    "RCAResult",
    "RootCauseAnalyzer",
    "ServiceSignals",
    "Traffic",
    "selector",
]
