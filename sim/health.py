"""The twin's own health verdict per service: the ground truth DOS is scored against.

At every scrape, each service is judged on the interval since the previous scrape, from
the twin's true state (never from its telemetry). It is *unhealthy* when any of these holds:

- **cpu saturated**: one of its serving pods had CPU demand at or above its limit (or a
  request backlog) in at least half of the ticks it served;
- **errors**: more than ``error_ratio`` (default 1 %) of the requests made to it failed,
  counting requests its callers could not route because no pod was serving;
- **latency**: the p99 of its request latency (the model's own distribution, not an
  estimate from buckets) is above its ``slo_p99`` (default 500 ms);
- **pods**: fewer pods are ready than desired. Drained pods count neither as ready nor as
  desired: taking an instance out of the load balancer on purpose is not a shortfall.

The verdict's ``reason`` lists every criterion that failed, ``"ok"`` when none did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.cluster import Cluster
from sim.interval import Interval
from sim.topology import Topology

__all__ = ["HealthJudge", "HealthRecord"]


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """One service's verdict at one scrape, with the figures it was based on."""

    timestamp: float
    service: str
    healthy: bool
    reason: str
    error_ratio: float
    p99: float
    ready: int
    desired: int


class HealthJudge:
    """Judges every service of a topology at each scrape."""

    def __init__(self, topology: Topology, *, error_ratio: float = 0.01) -> None:
        self.topology = topology
        self.error_ratio = error_ratio
        self._slo = np.array([s.slo_p99 for s in topology.services])

    def judge(self, interval: Interval, cluster: Cluster) -> list[HealthRecord]:
        """Return a verdict per service for ``interval`` (ending at its scrape)."""
        requests, failed = interval.service_requests()
        ratio = failed / np.maximum(requests, 1)
        p99 = interval.service_quantile(0.99)
        saturated = self._saturated(interval, cluster)
        out = []
        for s, name in enumerate(self.topology.names):
            pods = cluster.live_pods(name)
            drained = sum(p.drained for p in pods)
            ready = sum(p.serving for p in pods)
            desired = cluster.deployments[name].replicas - drained
            reasons = [f"cpu saturated on {pod}" for pod in saturated[s]]
            if ratio[s] > self.error_ratio:
                reasons.append(f"error ratio {ratio[s]:.1%} > {self.error_ratio:.0%}")
            if p99[s] > self._slo[s]:
                reasons.append(f"p99 {p99[s] * 1000:.0f}ms > {self._slo[s] * 1000:.0f}ms")
            if ready < desired:
                reasons.append(f"{ready} of {desired} pods ready")
            out.append(
                HealthRecord(
                    timestamp=interval.end,
                    service=name,
                    healthy=not reasons,
                    reason="; ".join(reasons) or "ok",
                    error_ratio=float(ratio[s]),
                    p99=float(p99[s]),
                    ready=ready,
                    desired=desired,
                )
            )
        return out

    def _saturated(self, interval: Interval, cluster: Cluster) -> list[list[str]]:
        """Return, per service, the pods that were CPU-saturated while serving."""
        totals = interval.pods
        out: list[list[str]] = [[] for _ in self.topology.names]
        for uid in np.flatnonzero(
            totals.saturated_ticks * 2 >= np.maximum(totals.serving_ticks, 1)
        ):
            pod = cluster.pods[int(uid)]
            out[self.topology.index(pod.service)].append(pod.name)
        return out
