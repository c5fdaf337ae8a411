"""Log lines the pods (and their kubelet) would write over one scrape interval.

Volume is sampled: each situation of a pod over an interval yields one record whose
``count`` is the exact number of lines it stands for. The situations, with messages shaped
like those of Online Boutique's gRPC services and the kubelet:

- requests served (info, one record per pod with the count of 200s);
- requests that timed out (error, the 504s);
- requests that failed because a dependency failed (error, the 500s, split over the
  failing callees by their share of the failures): ``connection refused`` when the callee
  had no serving pod, ``DeadlineExceeded`` when its calls mostly timed out, otherwise
  ``Unavailable``;
- CPU throttling (warn, when demand exceeded the limit) and failed readiness probes (warn,
  once per ten-second probe period in which the queue wait passed the probe's timeout).
  The twin logs failed probes but does not yet act on them: a pod failing its readiness
  probe stays in the load balancer until an action drains or deletes it.

Pod start-up lines come from :mod:`sim.cluster` when the pod is created.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.telemetry import Level, LogRecord
from sim.cluster import Cluster, Pod
from sim.interval import Interval, PodTotals
from sim.traffic import Traffic

__all__ = ["LogEmitter"]

_PROBE_PERIOD = 10.0


@dataclass(frozen=True, slots=True)
class _Cause:
    """How calls to one service failed over an interval: the message part and how often."""

    callee: int
    how: str
    error: float


class LogEmitter:
    """Turns an interval's pod totals into sampled log records."""

    def __init__(self, cluster: Cluster, traffic: Traffic, rng: np.random.Generator) -> None:
        self._cluster = cluster
        self._traffic = traffic
        self._rng = rng
        self._names = cluster.topology.names

    def emit(self, interval: Interval) -> list[LogRecord]:
        """Return the interval's log records, stamped at its end."""
        totals = interval.pods
        causes = self._dependency_causes(interval)
        out: list[LogRecord] = []
        for uid in np.flatnonzero(totals.ticks):
            pod = self._cluster.pods[int(uid)]
            out.extend(self._request_lines(interval.end, pod, totals, int(uid), causes))
            out.extend(self._node_lines(interval, pod, totals, int(uid)))
        return out

    def _request_lines(
        self, at: float, pod: Pod, totals: PodTotals, uid: int, causes: list[_Cause]
    ) -> list[LogRecord]:
        """Return the pod's lines about the requests it served and failed."""
        lines = []
        if totals.ok[uid]:
            record = LogRecord(at, pod.service, pod.name, Level.INFO, "request complete")
            lines.append(_with(record, {"http.status_code": "200"}, int(totals.ok[uid])))
        if totals.timeouts[uid]:
            timeout = self._cluster.deployments[pod.service].spec.timeout
            message = f"request canceled after {timeout:g}s: context deadline exceeded"
            lines.append(self._error(at, pod, message, "504", int(totals.timeouts[uid])))
        if totals.errors[uid]:
            lines.extend(self._dependency_lines(at, pod, int(totals.errors[uid]), causes))
        return lines

    def _node_lines(
        self, interval: Interval, pod: Pod, totals: PodTotals, uid: int
    ) -> list[LogRecord]:
        """Return the node's warnings about the pod: CPU throttling, failed probes."""
        at, spec = interval.end, self._cluster.deployments[pod.service].spec
        lines = []
        if totals.throttled_ticks[uid]:
            seconds = totals.throttled_ticks[uid] * interval.tick
            message = (
                f"container {spec.container} CPU throttled: demand above its "
                f"{spec.cpu_limit * 1000:g}m limit for {seconds:g}s of the last "
                f"{interval.end - interval.start:g}s"
            )
            record = LogRecord(at, pod.service, pod.name, Level.WARN, message)
            lines.append(_with(record, {"source": "cadvisor"}, 1))
        if totals.slow_probe_ticks[uid]:
            periods = math.ceil(totals.slow_probe_ticks[uid] * interval.tick / _PROBE_PERIOD)
            message = (
                f'Readiness probe failed: Get "http://{pod.ip}:{spec.port}/_healthz": context '
                "deadline exceeded (Client.Timeout exceeded while awaiting headers)"
            )
            record = LogRecord(at, pod.service, pod.name, Level.WARN, message)
            lines.append(_with(record, {"source": "kubelet"}, periods))
        return lines

    def _dependency_causes(self, interval: Interval) -> list[_Cause]:
        """Return, per service, how calls to it failed over the interval and how often."""
        error = interval.service_error()
        unrouted = interval.unrouted()
        _, failed = interval.service_requests()
        timeouts = interval.service_timeouts()
        out = []
        for c, name in enumerate(self._names):
            if unrouted[c]:
                how = f'connect: connection refused (no endpoints available for service "{name}")'
            elif failed[c] and timeouts[c] * 2 >= failed[c]:
                how = "code = DeadlineExceeded desc = context deadline exceeded"
            else:
                how = "code = Unavailable desc = upstream request failed"
            out.append(_Cause(c, how, float(error[c])))
        return out

    def _dependency_lines(
        self, at: float, pod: Pod, errors: int, causes: list[_Cause]
    ) -> list[LogRecord]:
        """Split a pod's 500s over the critical callees that failed, one record each."""
        s = self._names.index(pod.service)
        traffic = self._traffic
        weights = np.array(
            [
                traffic.mean_fanout[s, c.callee] * c.error if traffic.critical[s, c.callee] else 0
                for c in causes
            ]
        )
        if weights.sum() <= 0:
            return [self._error(at, pod, "request failed: internal error", "500", errors)]
        lines = []
        for cause, count in zip(causes, _split(errors, weights / weights.sum()), strict=True):
            if count:
                callee = self._names[cause.callee]
                message = f"failed to call {callee}: rpc error: {cause.how}"
                lines.append(self._error(at, pod, message, "500", int(count), callee))
        return lines

    def _error(
        self, at: float, pod: Pod, message: str, code: str, count: int, upstream: str = ""
    ) -> LogRecord:
        """Return an error record with a trace id, standing for ``count`` lines."""
        attributes = {"http.status_code": code}
        if upstream:
            attributes["upstream"] = upstream
        trace = self._rng.bytes(16).hex()
        return LogRecord(at, pod.service, pod.name, Level.ERROR, message, trace, attributes, count)


def _with(record: LogRecord, attributes: dict[str, str], count: int) -> LogRecord:
    """Return ``record`` with ``attributes`` and ``count``."""
    return LogRecord(
        record.timestamp,
        record.service,
        record.pod,
        record.level,
        record.message,
        record.trace_id,
        attributes,
        count,
    )


def _split(total: int, shares: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split ``total`` into integers proportional to ``shares`` (largest remainders)."""
    exact = total * shares
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        counts[np.argsort(counts - exact)[:short]] += 1
    return counts
