"""The blocks the model ran between two scrapes, summed per pod and per service.

The health verdict, the logs and the traces of a scrape all describe the interval since
the previous scrape. Blocks inside it may have different pods (a pod started or was deleted
between them), so sums per pod go by pod uid and sums per service by service index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from sim.latency import quantiles
from sim.model import BlockResult

__all__ = ["Interval", "PodTotals"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# A kubelet readiness probe gives up after one second.
PROBE_TIMEOUT = 1.0


_POD_COUNTS = (
    "ticks",
    "serving_ticks",
    "arrivals",
    "ok",
    "errors",
    "timeouts",
    "throttled_ticks",
    "saturated_ticks",
    "slow_probe_ticks",
)


@dataclass(frozen=True)
class PodTotals:
    """Per pod uid (index = uid): what the pod did over the interval."""

    ticks: IntArray
    serving_ticks: IntArray
    arrivals: IntArray
    ok: IntArray
    errors: IntArray
    timeouts: IntArray
    throttled_ticks: IntArray
    saturated_ticks: IntArray
    slow_probe_ticks: IntArray


@dataclass
class Interval:
    """The blocks run from ``start`` up to the scrape at ``end``."""

    start: float
    end: float
    tick: float
    n_services: int
    blocks: list[BlockResult] = field(default_factory=list)

    @property
    def ticks(self) -> int:
        """Return how many ticks the interval's blocks cover."""
        return sum(b.ticks for b in self.blocks)

    @cached_property
    def pods(self) -> PodTotals:
        """Return the per-pod sums, indexed by pod uid (read once the interval is closed)."""
        size = 1 + max((int(b.layout.uids.max(initial=-1)) for b in self.blocks), default=-1)
        sums = {name: np.zeros(size) for name in _POD_COUNTS}
        for block in self.blocks:
            for name, values in _pod_values(block).items():
                sums[name] += np.bincount(block.layout.uids, weights=values, minlength=size)
        return PodTotals(**{name: sums[name].astype(np.int64) for name in _POD_COUNTS})

    def service_requests(self) -> tuple[IntArray, IntArray]:
        """Return per service the requests made to it and how many failed.

        Requests no pod could take count as made and failed.
        """
        requests = self.unrouted()
        failed = requests.copy()
        for b in self.blocks:
            np.add.at(requests, b.layout.services, b.arrivals.sum(axis=0))
            np.add.at(failed, b.layout.services, (b.errors + b.timeouts).sum(axis=0))
        return requests, failed

    def unrouted(self) -> IntArray:
        """Return per service the requests no pod could take (none was serving)."""
        out = np.zeros(self.n_services, dtype=np.int64)
        for b in self.blocks:
            out += b.unrouted.sum(axis=0)
        return out

    def service_timeouts(self) -> IntArray:
        """Return per service the requests that timed out in its pods."""
        out = np.zeros(self.n_services, dtype=np.int64)
        for b in self.blocks:
            np.add.at(out, b.layout.services, b.timeouts.sum(axis=0))
        return out

    def service_quantile(self, p: float) -> FloatArray:
        """Return each service's ``p``-quantile of latency over the interval (0 when idle)."""
        parts = [self._components(b) for b in self.blocks]
        if not parts:
            return np.zeros(self.n_services)
        a, b, q, t, w, g = (np.concatenate([part[i] for part in parts]) for i in range(6))
        return quantiles(p, a, b, q, t, w, g.astype(np.intp), self.n_services)

    def service_error(self) -> FloatArray:
        """Return each service's tick-mean failure ratio of calls into it."""
        if not self.blocks:
            return np.zeros(self.n_services)
        stacked = np.concatenate([b.service_error for b in self.blocks])
        result: FloatArray = stacked.mean(axis=0)
        return result

    @staticmethod
    def _components(b: BlockResult) -> tuple[FloatArray, ...]:
        """Flatten a block's (tick, pod) distributions into mixture components."""
        ticks = b.ticks
        groups = np.broadcast_to(b.layout.services, (ticks, b.layout.services.size))
        timeout = np.broadcast_to(b.timeout, (ticks, b.timeout.size))
        return (
            b.shift.ravel(),
            b.scale.ravel(),
            b.overflow.ravel(),
            timeout.ravel(),
            b.arrivals.ravel().astype(np.float64),
            groups.ravel().astype(np.float64),
        )


def _pod_values(b: BlockResult) -> dict[str, FloatArray]:
    """Return one block's per-pod sums, by the names of :data:`_POD_COUNTS`."""
    ticks = float(b.ticks)
    throttled = (b.demand > b.limit) | b.busy

    def total(values: NDArray[np.generic]) -> FloatArray:
        """Sum ``values`` over the block's ticks."""
        result: FloatArray = values.sum(axis=0).astype(np.float64)
        return result

    return {
        "ticks": np.full(b.layout.uids.size, ticks),
        "serving_ticks": b.layout.serving * ticks,
        "arrivals": total(b.arrivals),
        "ok": total(b.ok),
        "errors": total(b.errors),
        "timeouts": total(b.timeouts),
        "throttled_ticks": total(throttled),
        "saturated_ticks": total(throttled & b.layout.serving),
        "slow_probe_ticks": total(b.wait > PROBE_TIMEOUT),
    }
