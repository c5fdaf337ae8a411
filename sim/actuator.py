"""The twin's actuator: DOS's actions carried out on the simulated cluster.

:meth:`ClusterActuator.submit` answers at once, as a Kubernetes API server does: REJECTED
with a reason for an action that cannot apply (another namespace, an unknown service or
pod, a replica count out of range, no revision to roll back to), otherwise ACCEPTED. The
effect comes ``action_latency`` seconds later through a SimPy process; with the configured
probability it fails instead, which shows as a ``Failed...`` event carrying the action id.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from dos.actions import Action, ActionKind, ActionResult, ActionStatus
from dos.telemetry import EventKind
from sim.cluster import Cluster
from sim.topology import ClusterSettings

__all__ = ["ClusterActuator"]

logger = logging.getLogger(__name__)

# The event kind and failure reason each action shows when it fails.
_FAILURE = {
    ActionKind.SCALE: (EventKind.SCALING, "FailedScale"),
    ActionKind.DRAIN: (EventKind.DRAINED, "FailedDrain"),
    ActionKind.DELETE_POD: (EventKind.POD_DELETED, "FailedDelete"),
    ActionKind.RESTART: (EventKind.RESTART, "FailedRestart"),
    ActionKind.ROLLBACK: (EventKind.ROLLBACK, "FailedRollback"),
}


class ClusterActuator:
    """Carries remediation actions out on the twin's cluster (a :class:`dos.actions.Actuator`)."""

    def __init__(
        self,
        cluster: Cluster,
        env: simpy.Environment,
        rng: np.random.Generator,
        settings: ClusterSettings,
    ) -> None:
        self.env = env
        self.settings = settings
        self.submitted: list[ActionResult] = []
        self.outcomes: list[ActionResult] = []
        self._cluster = cluster
        self._rng = rng

    def submit(self, action: Action, now: float) -> ActionResult:
        """Accept or reject ``action`` at once; an accepted one applies after the latency."""
        problem = self._problem(action)
        if problem is None:
            result = ActionResult(action, ActionStatus.ACCEPTED, now, "accepted")
            delay = max(now + self.settings.action_latency - self.env.now, 0.0)
            self.env.process(self._carry_out(action, delay))
        else:
            result = ActionResult(action, ActionStatus.REJECTED, now, problem)
            logger.info("action %s rejected: %s", action.id, problem)
        self.submitted.append(result)
        return result

    def _problem(self, action: Action) -> str | None:
        """Return why ``action`` cannot apply now, or None when it can."""
        cluster = self._cluster
        if action.namespace != cluster.namespace:
            return f"namespace {action.namespace!r} is not this cluster's ({cluster.namespace!r})"
        if action.service not in cluster.deployments:
            known = ", ".join(cluster.deployments)
            return f"unknown service {action.service!r}; the services are {known}"
        needs_pod = action.kind in (ActionKind.DRAIN, ActionKind.DELETE_POD)
        if needs_pod and (action.pod is None or cluster.find(action.service, action.pod) is None):
            running = ", ".join(p.name for p in cluster.live_pods(action.service))
            return f"no running pod {action.pod!r} in {action.service}; running: {running}"
        if action.kind is ActionKind.SCALE:
            top = self.settings.max_replicas
            if action.replicas is None or not 1 <= action.replicas <= top:
                return f"replicas must be from 1 to {top}, got {action.replicas!r}"
        if action.kind is ActionKind.ROLLBACK and not cluster.can_roll_back(action.service):
            return f"deployment {action.service} has no previous revision to roll back to"
        return None

    def _carry_out(self, action: Action, delay: float) -> Generator[Any, Any, None]:
        """Apply ``action`` after ``delay`` seconds, unless it fails or no longer applies."""
        yield self.env.timeout(delay)
        failed = self._rng.random() < self.settings.action_failure_probability
        problem = "the cluster failed to carry the action out" if failed else self._problem(action)
        if problem is not None:
            kind, label = _FAILURE[action.kind]
            self._cluster.failed(kind, action.service, label, problem, action.id)
            self.outcomes.append(ActionResult(action, ActionStatus.FAILED, self.env.now, problem))
            logger.info("action %s failed: %s", action.id, problem)
            return
        self._apply(action)
        self.outcomes.append(ActionResult(action, ActionStatus.ACCEPTED, self.env.now, "applied"))

    def _apply(self, action: Action) -> None:
        """Make the change ``action`` asks for."""
        cluster, service = self._cluster, action.service
        if action.kind is ActionKind.SCALE:
            assert action.replicas is not None  # checked by _problem
            cluster.scale(service, action.replicas, action.id)
        elif action.kind is ActionKind.RESTART:
            cluster.restart(service, action.id)
        elif action.kind is ActionKind.ROLLBACK:
            cluster.rollback(service, action.id)
        else:
            pod = cluster.find(service, action.pod or "")
            assert pod is not None  # checked by _problem
            if action.kind is ActionKind.DRAIN:
                cluster.drain(pod, action.id)
            else:
                cluster.delete_pod(pod, action.id)
