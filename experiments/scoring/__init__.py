"""Score a run against the twin's ground truth, as DESIGN section 8 defines each number.

Inputs are the run's tables (the :mod:`experiments.tables` schema) and DOS's incidents as
dicts; times are seconds from the scenario start and the run ends at ``sim_seconds``.

- Fault window: ``[start, end)``; a fault still active at the end runs to the end.
- Affected services: the fault's target plus every service the health table shows
  unhealthy at some moment of the window. A verdict holds until the service's next one
  (the last until the run ends); a service without a verdict yet is healthy.
- Recovery: the first instant, from the fault's first unhealthy moment inside its window,
  at which every affected service is healthy and stays so for ``stable_for`` (the instant
  it became healthy). Searching from ``start`` regardless would let a slow fault (a memory
  leak) "recover" before it ever hurt. A fault with no unhealthy moment did no harm: it
  has no recovery time, is counted as ``no_impact`` and is left out of MTTR, recovery
  counts and the auto-remediated share. If the stable period does not fit before the run
  ends: unrecovered.
- Affected services, given the call graph (``callers``): only the target and its
  (transitive) callers can be affected, since harm travels upstream; a service made sick
  by another, overlapping fault is not charged to this one.
- Detection window: ``[start, max(recovery, end of the cause) + grace)``, so a cause that
  outlives its harm (or does none) can still be detected while it lasts; ``[start, run
  end)`` if unrecovered.
- Alert episode: one contiguous firing interval of one label set, ``[firing, resolved)``,
  up to the run's end while still firing. It names the service in its ``service`` label,
  else its ``deployment`` or ``job`` label.
- Detected: an episode naming an affected service starts firing in the detection window;
  TTD is the first such firing minus ``start``. One episode may detect overlapping faults.
- True episode: it overlaps a fault's detection window and names one of that fault's
  affected services, or names none; every other episode is a false alert.
- Incident of a fault: the earliest opened in the detection window on the fault's target,
  else the earliest on an affected service. Keys read: ``id``, ``service``, ``opened_at``
  (or ``detected_at``, ``created_at``, else the first ``history`` step), ``acknowledged_at`` and
  ``resolved_at`` (else that state's ``history`` step), ``rca``: candidates best first,
  each a dict with ``service`` and ``cause`` (or a dict holding them as ``candidates``).
- Actions of a fault: those filed under its incident, plus those under no incident aimed
  at an affected service in the detection window; TTM is the first that took effect
  (status ``accepted`` or ``confirmed``). A fault is auto-remediated when it recovered
  after such an action by actor ``dos`` and none by another actor came before recovery.
  ``actions_rejected`` counts the actions refused (``blocked`` by a guardrail or
  ``rejected`` by the actuator); ``guardrail_trips`` the ``blocked`` ones alone.
- RCA: ``rca_top1``/``rca_top3`` over faults with an incident (no candidates counts as
  wrong); cause accuracy compares the top candidate's cause with :data:`EXPECTED_CAUSES`.
"""

from __future__ import annotations

from experiments.scoring.incidents import IncidentView
from experiments.scoring.intervals import alert_episodes
from experiments.scoring.scores import (
    EXPECTED_CAUSES,
    FaultScore,
    RunScores,
    ScoreInputError,
    fault_frame,
    score_run,
)

__all__ = [
    "EXPECTED_CAUSES",
    "FaultScore",
    "IncidentView",
    "RunScores",
    "ScoreInputError",
    "alert_episodes",
    "fault_frame",
    "score_run",
]
