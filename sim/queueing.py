"""One pod's CPU and request queue over a block of ticks, as arrays over (ticks x pods).

CPU. A pod's demand is its requests' CPU (arrival rate x CPU time per request) plus its
idle use plus any injected demand (stress workers). Usage is capped at the CPU limit, as
CFS throttling caps a container at its quota. Inside the quota CFS is fair per runnable
thread: the idle use (small) is served first; the service's ``threads`` worker threads
(GOMAXPROCS, a thread pool) and the ``k`` injected threads then share what is left, ``L``,
max-min fairly. Requests can therefore use ``max(L - injected, L * threads / (threads + k))``:
all that the injected threads leave when those want little, otherwise their threads' fair
part. A stress with as many workers as the service has threads halves its capacity.

Queue. A request is short next to the CFS period, so alone it runs at the speed of a core:
its service time is its CPU time ``s``. The limit caps throughput instead: the pod serves at
most ``mu = capacity / s`` requests a second, and its load is ``rho = arrival rate / mu``.
Below saturation (``rho < 1``, empty backlog) the request's sojourn is taken as a
processor-sharing queue's, mean ``s / (1 - rho)``, and exponential with that mean. At or
past saturation the queue is a fluid: each tick serves ``mu x tick`` requests, the rest waits
in a backlog, and whatever would wait past the request timeout overflows and times out.
Served requests then wait ``backlog / mu`` plus an exponential service time of mean ``s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Contention", "CpuShare", "QueueState", "cpu_share", "run_queue"]

FloatArray = NDArray[np.float64]
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Contention:
    """What competes with a pod's requests for its CPU quota, per pod."""

    idle: FloatArray
    extra: FloatArray
    extra_threads: FloatArray
    threads: FloatArray


@dataclass(frozen=True, slots=True)
class CpuShare:
    """What the CPU gives one block, per (tick, pod): demand, service rate, load, service time."""

    demand: FloatArray
    rate: FloatArray
    rho: FloatArray
    service_time: FloatArray


@dataclass(frozen=True, slots=True)
class QueueState:
    """A block's queueing outcome per (tick, pod) and the backlog left at its end."""

    wait: FloatArray
    scale: FloatArray
    overflow: FloatArray
    busy: NDArray[np.bool_]
    backlog: FloatArray


def cpu_share(
    arrivals: NDArray[np.int64],
    expected: FloatArray,
    tick: float,
    cost: FloatArray,
    contention: Contention,
    limit: FloatArray,
) -> CpuShare:
    """Split each pod's CPU limit between its requests and what competes with them.

    Demand follows the requests that arrived; the share and the load follow the
    ``expected`` arrivals, since the queueing formula already accounts for Poisson bursts.
    """
    demand = arrivals * (cost / tick) + (contention.idle + contention.extra)
    left = np.maximum(limit - contention.idle, _EPSILON)
    threads = contention.threads
    fair = left * threads / (threads + contention.extra_threads)
    capacity = np.maximum(np.maximum(left - contention.extra, fair), _EPSILON)
    capacity = np.broadcast_to(capacity, expected.shape)
    rate = capacity / cost
    rho = expected / (rate * tick)
    return CpuShare(demand, rate, rho, np.broadcast_to(cost, rho.shape))


def run_queue(
    arrivals: NDArray[np.int64],
    share: CpuShare,
    tick: float,
    budget: FloatArray,
    backlog: FloatArray,
) -> QueueState:
    """Run every pod's queue over the block from ``backlog``; ``budget`` is the wait allowed.

    Pods that stay below saturation with an empty backlog are computed in one pass; only
    the others step tick by tick, since a backlog carries from one tick to the next.
    """
    rho = share.rho
    steady_scale = share.service_time / np.maximum(1.0 - rho, _EPSILON)
    wait = np.zeros_like(share.demand)
    scale = steady_scale.copy()
    overflow = np.zeros_like(share.demand)
    busy = np.zeros(rho.shape, dtype=bool)
    end = backlog.copy()
    risky = np.flatnonzero((rho >= 1.0).any(axis=0) | (backlog > 0.0))
    if risky.size:
        stepped = _step_backlog(
            arrivals[:, risky],
            share.rate[:, risky],
            share.service_time[:, risky],
            rho[:, risky],
            tick,
            budget[risky],
            backlog[risky],
        )
        wait[:, risky] = stepped.wait
        scale[:, risky] = stepped.scale
        overflow[:, risky] = stepped.overflow
        busy[:, risky] = stepped.busy
        end[risky] = stepped.backlog
    return QueueState(wait, scale, overflow, busy, end)


def _step_backlog(
    arrivals: NDArray[np.int64],
    rates: FloatArray,
    service_time: FloatArray,
    rho: FloatArray,
    tick: float,
    budget: FloatArray,
    backlog: FloatArray,
) -> QueueState:
    """Step the fluid backlog of some pods tick by tick from ``backlog``."""
    shape = service_time.shape
    wait, overflow = np.zeros(shape), np.zeros(shape)
    scale = service_time / np.maximum(1.0 - rho, _EPSILON)
    busy = np.zeros(shape, dtype=bool)
    queue = backlog.copy()
    for t in range(shape[0]):
        n = arrivals[t].astype(np.float64)
        rate = rates[t]
        steady = (queue <= 0.0) & (rho[t] < 1.0)
        left = queue + n - np.minimum(queue + n, rate * tick)
        # Requests that would wait past the timeout budget overflow and time out.
        dropped = np.maximum(left - rate * budget, 0.0)
        left -= dropped
        saturated = ~steady
        wait[t] = np.where(saturated, 0.5 * (queue + left) / rate, 0.0)
        scale[t] = np.where(saturated, service_time[t], scale[t])
        overflow[t] = np.where(
            saturated & (n > 0), np.minimum(dropped / np.maximum(n, 1.0), 1.0), 0.0
        )
        busy[t] = saturated & (left > 0.0)
        queue = np.where(steady, 0.0, left)
    return QueueState(wait, scale, overflow, busy, queue)
