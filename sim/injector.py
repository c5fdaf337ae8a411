"""The fault injector: starts each scenario fault on its pod and ends it, recording the truth.

A fault starts at its ``at`` on the pod the scenario names (by age) or on one the fault's
own seeded stream picks, and ends when its duration runs out (``ended_by="timeout"``) or
when its pod is deleted or replaced (``ended_by="remediation"``), whichever comes first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from sim.cluster import Cluster, Pod
from sim.faults import FaultRecord, PodEffects
from sim.rng import SeedStreams
from sim.scenario import FaultSpec, Scenario

__all__ = ["FaultInjector"]

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Active:
    """A started fault: where it runs and, once over, when and why it ended."""

    spec: FaultSpec
    pod: Pod
    start: float
    done: simpy.Event
    end: float | None = None
    ended_by: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


class FaultInjector:
    """Runs a scenario's faults against the cluster's pods and the model's effects."""

    def __init__(
        self,
        scenario: Scenario,
        env: simpy.Environment,
        cluster: Cluster,
        effects: PodEffects,
        streams: SeedStreams,
        sync: Callable[[], None],
    ) -> None:
        self.env = env
        self._scenario = scenario
        self._cluster = cluster
        self._effects = effects
        self._streams = streams
        self._sync = sync
        self._started: list[_Active] = []

    def start(self) -> None:
        """Schedule every fault of the scenario."""
        for spec in self._scenario.faults:
            self.env.process(self._run(spec))

    def pod_deleted(self, pod: Pod) -> None:
        """End every fault running in ``pod`` (the caller has synced the model)."""
        for active in self._started:
            if active.pod is pod and active.end is None:
                self._end(active, "remediation")

    def records(self, run_end: float) -> list[FaultRecord]:
        """Return the ground truth of every started fault, in start order."""
        over = self.env.now >= run_end
        out = []
        for a in self._started:
            end, ended_by = a.end, a.ended_by
            if end is None and over:
                end, ended_by = run_end, "run_end"
            out.append(
                FaultRecord(
                    a.spec.id,
                    a.spec.kind,
                    a.pod.service,
                    a.pod.name,
                    dict(a.params),
                    a.start,
                    end,
                    ended_by,
                )
            )
        return out

    def _run(self, spec: FaultSpec) -> Generator[Any, Any, None]:
        """Start ``spec`` at its time and end it when its duration runs out."""
        yield self.env.timeout(spec.at)
        self._sync()
        pod = self._target(spec)
        if pod is None:
            return
        active = _Active(spec, pod, self.env.now, self.env.event(), params=spec.fault.params())
        spec.fault.start(self._effects, pod.uid)
        self._started.append(active)
        logger.info(
            "t=%.0f fault %s (%s) starts on %s", self.env.now, spec.id, spec.kind, pod.name
        )
        duration = spec.fault.duration
        if duration is None:
            return
        yield self.env.timeout(duration) | active.done
        if active.end is None:
            self._sync()
            self._end(active, "timeout")

    def _target(self, spec: FaultSpec) -> Pod | None:
        """Return the pod ``spec`` aims at now, if it has one."""
        pods = self._cluster.live_pods(spec.target)
        if spec.pod is None:
            if not pods:
                logger.warning(
                    "fault %s: service %s has no pod to inject into", spec.id, spec.target
                )
                return None
            rng = self._streams.generator(f"fault.{spec.id}")
            return pods[int(rng.integers(len(pods)))]
        if spec.pod >= len(pods):
            logger.warning(
                "fault %s: %s runs %s pods, none at index %s; not injected",
                spec.id,
                spec.target,
                len(pods),
                spec.pod,
            )
            return None
        return pods[spec.pod]

    def _end(self, active: _Active, why: str) -> None:
        """Remove ``active``'s effect and record when and why it ended."""
        active.spec.fault.stop(self._effects, active.pod.uid)
        active.end, active.ended_by = self.env.now, why
        if not active.done.triggered:
            active.done.succeed()
        logger.info("t=%.0f fault %s ends (%s)", self.env.now, active.spec.id, why)
