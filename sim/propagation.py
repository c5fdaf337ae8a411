"""How callees' latency and failures reach their callers, callees first.

A request's latency is its own (off-CPU latency, queue wait, processor-sharing sojourn) plus
that of the calls it makes in sequence, ``mean_fanout[s, c]`` calls to each callee ``c`` on
average. Means and variances add; the sum is matched by mean and variance to a shifted
exponential (scale = standard deviation, capped at the mean), which keeps the tail of a
page that makes ten calls far thinner than ten exponential tails stacked.

Failures go journey by journey: a request of journey ``j`` at service ``s`` succeeds when it
does not time out and every call it makes to a critical callee succeeds, so the chance that
its calls succeed is ``prod_c (1 - failing[c, j]) ** fanout[j, s, c]``. A callee with no
serving pod fails every call. Soft edges (a page renders without its ads) add latency but
never failures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.latency import moments, timeout_probability
from sim.topology import Topology
from sim.traffic import Traffic

__all__ = ["Latency", "Propagator"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Latency:
    """Per (tick, pod) latency distribution and failure chance from dependencies.

    ``service_error`` is, per (tick, service), the share of calls into the service that
    fail (all of them when it has no serving pod).
    """

    shift: FloatArray
    scale: FloatArray
    dependency_failure: FloatArray
    service_error: FloatArray


@dataclass(frozen=True, slots=True)
class _Pods:
    """One block's pods as the propagation needs them."""

    columns: tuple[NDArray[np.intp], ...]
    serving: tuple[NDArray[np.intp], ...]
    arrivals: NDArray[np.int64]
    overflow: FloatArray
    timeout: FloatArray


@dataclass(frozen=True, slots=True)
class _Served:
    """Per (tick, service) what callers see of a service: latency moments, failing calls."""

    mean: FloatArray
    var: FloatArray
    failing: FloatArray


class Propagator:
    """Combines every service's own latency with its callees', for one topology."""

    def __init__(self, topology: Topology, traffic: Traffic) -> None:
        self._traffic = traffic
        self._order = [topology.index(n) for n in topology.order]
        self._callees = [
            np.array([topology.index(c) for c in topology.callees(n)], dtype=np.intp)
            for n in topology.names
        ]

    def run(
        self,
        columns: tuple[NDArray[np.intp], ...],
        serving: tuple[NDArray[np.intp], ...],
        arrivals: NDArray[np.int64],
        own: tuple[FloatArray, FloatArray, FloatArray],
        timeout: FloatArray,
    ) -> Latency:
        """Return the latency and failures of every pod given its ``own`` shift, scale, overflow.

        ``columns`` and ``serving`` list each service's pod columns and serving columns.
        """
        own_shift, own_scale, overflow = own
        pods = _Pods(columns, serving, arrivals, overflow, timeout)
        ticks, n_services = arrivals.shape[0], len(self._order)
        served = _Served(
            mean=np.zeros((ticks, n_services)),
            var=np.zeros((ticks, n_services)),
            failing=np.ones((ticks, n_services, len(self._traffic.journeys))),
        )
        out = Latency(
            shift=np.zeros_like(own_shift),
            scale=np.zeros_like(own_shift),
            dependency_failure=np.zeros_like(own_shift),
            service_error=np.ones((ticks, n_services)),
        )
        for s in self._order:
            self._combine(s, pods, (own_shift, own_scale), served, out)
            success = self._dependencies_succeed(s, served)
            failure = 1.0 - success @ self._traffic.share[s]
            out.dependency_failure[:, columns[s]] = np.clip(failure, 0.0, 1.0)[:, None]
            if serving[s].size:
                self._summarize(s, pods, success, served, out)
        return out

    def _combine(
        self,
        s: int,
        pods: _Pods,
        own: tuple[FloatArray, FloatArray],
        served: _Served,
        out: Latency,
    ) -> None:
        """Set service ``s``'s pods' shift and scale from their own and their callees'."""
        own_shift, own_scale = own
        callees, columns = self._callees[s], pods.columns[s]
        fan = self._traffic.mean_fanout[s, callees]
        down_mean = (served.mean[:, callees] @ fan)[:, None]
        down_var = (served.var[:, callees] @ fan)[:, None]
        mean = own_shift[:, columns] + own_scale[:, columns] + down_mean
        scale = np.minimum(np.sqrt(own_scale[:, columns] ** 2 + down_var), mean)
        out.scale[:, columns] = np.maximum(scale, 1e-9)
        out.shift[:, columns] = mean - out.scale[:, columns]

    def _dependencies_succeed(self, s: int, served: _Served) -> FloatArray:
        """Return per (tick, journey) the chance that all of a request's critical calls succeed."""
        traffic = self._traffic
        callees = self._callees[s]
        success = np.ones((served.mean.shape[0], len(traffic.journeys)))
        for c in callees[traffic.critical[s, callees]]:
            success *= (1.0 - served.failing[:, c, :]) ** traffic.fanout[:, s, c]
        return success

    def _summarize(
        self, s: int, pods: _Pods, success: FloatArray, served: _Served, out: Latency
    ) -> None:
        """Record service ``s``'s latency moments and failure chance, for its callers."""
        serving = pods.serving[s]
        weights = pods.arrivals[:, serving].astype(np.float64)
        # With no arrival in a tick, a caller's request would still land on some pod.
        weights[weights.sum(axis=1) == 0] = 1.0
        weights /= weights.sum(axis=1, keepdims=True)
        args = (
            out.shift[:, serving],
            out.scale[:, serving],
            pods.overflow[:, serving],
            pods.timeout[serving],
        )
        first, second = moments(*args)
        served.mean[:, s] = (weights * first).sum(axis=1)
        served.var[:, s] = np.maximum((weights * second).sum(axis=1) - served.mean[:, s] ** 2, 0)
        available = (weights * (1.0 - timeout_probability(*args))).sum(axis=1)
        served.failing[:, s, :] = 1.0 - success * available[:, None]
        out.service_error[:, s] = served.failing[:, s, :] @ self._traffic.share[s]
