"""The service model: every running pod advanced a block of ticks at a time, as arrays.

One :meth:`ServiceModel.run` call advances all pods over a block of ticks between two
discrete events (nothing structural changes inside a block):

1. arrivals: Poisson arrivals at the entry per tick, split over journeys by the mix, turned
   into requests per service, then balanced evenly (multinomially) over the service's
   serving pods; requests to a service with no serving pod fail at once;
2. CPU and queue per pod (:mod:`sim.queueing`);
3. latency and errors, callees before callers: a request's latency is its own (off-CPU
   latency, queue wait, sojourn) plus the calls it makes, matched by mean and variance to a
   shifted exponential (:mod:`sim.latency`); it fails when it times out or, journey by
   journey, when a call to a critical callee fails;
4. what the pods record: status codes and histogram buckets drawn from that distribution,
   CPU seconds, the latency sum.

Random streams are per purpose (arrivals, journeys, each service's balancing, latency,
errors) so that splitting a block in two at a tick boundary draws the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.cluster import Pod
from sim.latency import BUCKETS, bin_probabilities, moments
from sim.propagation import Latency, Propagator
from sim.queueing import Contention, CpuShare, QueueState, cpu_share, run_queue
from sim.rng import SeedStreams
from sim.topology import Topology
from sim.traffic import Traffic

__all__ = ["CODES", "BlockResult", "Layout", "PodCounters", "ServiceModel"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CODES: tuple[str, ...] = ("200", "500", "504")
"""Status codes pods record: served, failed (a dependency failed), timed out."""

_N_BINS = len(BUCKETS) + 1


@dataclass(frozen=True)
class Layout:
    """The running pods as model columns: their uids, services and whether they serve."""

    uids: IntArray
    services: NDArray[np.intp]
    serving: NDArray[np.bool_]
    columns: tuple[NDArray[np.intp], ...]
    serving_columns: tuple[NDArray[np.intp], ...]

    @classmethod
    def of(cls, pods: Sequence[Pod], topology: Topology) -> Layout:
        """Lay out ``pods`` grouped by service, oldest first."""
        ordered = sorted(pods, key=lambda p: (topology.index(p.service), p.uid))
        services = np.array([topology.index(p.service) for p in ordered], dtype=np.intp)
        serving = np.array([p.serving for p in ordered], dtype=bool)
        n = len(topology.services)
        return cls(
            uids=np.array([p.uid for p in ordered], dtype=np.int64),
            services=services,
            serving=serving,
            columns=tuple(np.flatnonzero(services == s) for s in range(n)),
            serving_columns=tuple(np.flatnonzero((services == s) & serving) for s in range(n)),
        )


@dataclass
class PodCounters:
    """What each pod has accumulated since it was created (one row per column)."""

    cpu_seconds: FloatArray
    codes: IntArray
    bins: IntArray
    latency_sum: FloatArray
    backlog: FloatArray
    extra_cpu: FloatArray
    extra_threads: FloatArray
    extra_memory: FloatArray
    inflight: FloatArray

    @classmethod
    def zeros(cls, n: int) -> PodCounters:
        """Return counters for ``n`` fresh pods."""
        return cls(
            cpu_seconds=np.zeros(n),
            codes=np.zeros((n, len(CODES)), dtype=np.int64),
            bins=np.zeros((n, _N_BINS), dtype=np.int64),
            latency_sum=np.zeros(n),
            backlog=np.zeros(n),
            extra_cpu=np.zeros(n),
            extra_threads=np.zeros(n),
            extra_memory=np.zeros(n),
            inflight=np.zeros(n),
        )

    def carried(self, old: IntArray, new: IntArray) -> PodCounters:
        """Return the counters laid out for uids ``new``, given they were laid out as ``old``."""
        out = PodCounters.zeros(len(new))
        where = {int(uid): i for i, uid in enumerate(old)}
        pairs = [(i, where[int(uid)]) for i, uid in enumerate(new) if int(uid) in where]
        if pairs:
            to, frm = (np.array(side, dtype=np.intp) for side in zip(*pairs, strict=True))
            for name in vars(out):
                getattr(out, name)[to] = getattr(self, name)[frm]
        return out


@dataclass(frozen=True)
class BlockResult:
    """One block's per (tick, pod) outcome, for health verdicts, logs and traces."""

    start: float
    tick: float
    layout: Layout
    arrivals: IntArray
    ok: IntArray
    errors: IntArray
    timeouts: IntArray
    demand: FloatArray
    limit: FloatArray
    busy: NDArray[np.bool_]
    wait: FloatArray
    shift: FloatArray
    scale: FloatArray
    overflow: FloatArray
    own_shift: FloatArray
    own_scale: FloatArray
    timeout: FloatArray
    unrouted: IntArray
    service_error: FloatArray

    @property
    def ticks(self) -> int:
        """Return the number of ticks in the block."""
        return int(self.arrivals.shape[0])


class ServiceModel:
    """All running pods of a topology, advanced block by block."""

    def __init__(self, topology: Topology, streams: SeedStreams, tick: float) -> None:
        self.topology = topology
        self.traffic = Traffic.of(topology)
        self.tick = tick
        self._rng_arrivals = streams.generator("load.arrivals")
        self._rng_journeys = streams.generator("load.journeys")
        self._rng_balance = [streams.generator(f"model.balance.{n}") for n in topology.names]
        self._rng_latency = streams.generator("model.latency")
        self._rng_errors = streams.generator("model.errors")
        specs = topology.services
        self._cost = np.array([s.cpu_per_request for s in specs])
        self._idle = np.array([s.cpu_idle for s in specs])
        self._threads = np.array([float(s.threads) for s in specs])
        self._limit = np.array([s.cpu_limit for s in specs])
        self._base = np.array([s.latency for s in specs])
        self._timeout = np.array([s.timeout for s in specs])
        self._timeout_bin = np.searchsorted(np.array(BUCKETS), self._timeout)
        self._per_entry = self.traffic.per_entry_request()
        self._order = [topology.index(n) for n in topology.order]
        self._propagator = Propagator(topology, self.traffic)
        self.layout = Layout.of([], topology)
        self.counters = PodCounters.zeros(0)

    def set_pods(self, pods: Sequence[Pod]) -> None:
        """Lay the model out over the running ``pods``, keeping each one's counters."""
        layout = Layout.of([p for p in pods if p.alive], self.topology)
        self.counters = self.counters.carried(self.layout.uids, layout.uids)
        self.layout = layout

    def add_cpu_demand(self, uid: int, cores: float, threads: int) -> None:
        """Add ``cores`` of CPU demand on ``threads`` threads (negative to remove) to ``uid``."""
        column = np.flatnonzero(self.layout.uids == uid)
        counters = self.counters
        counters.extra_cpu[column] = np.maximum(counters.extra_cpu[column] + cores, 0.0)
        counters.extra_threads[column] = np.maximum(counters.extra_threads[column] + threads, 0.0)

    def run(self, start_tick: int, ticks: int) -> BlockResult:
        """Advance every pod over ``ticks`` ticks from tick ``start_tick``."""
        layout, dt = self.layout, self.tick
        arrivals, unrouted, share, queue = self._arrive(start_tick * dt, ticks)
        timeout = self._timeout[layout.services]
        own_shift = self._base[layout.services] + queue.wait
        own = (own_shift, queue.scale, queue.overflow)
        latency = self._propagator.run(
            layout.columns, layout.serving_columns, arrivals, own, timeout
        )
        ok, errors, timeouts, bins = self._observe(arrivals, latency, queue.overflow, timeout)
        block = BlockResult(
            start=start_tick * dt,
            tick=dt,
            layout=layout,
            arrivals=arrivals,
            ok=ok,
            errors=errors,
            timeouts=timeouts,
            demand=share.demand,
            limit=self._limit[layout.services],
            busy=queue.busy,
            wait=queue.wait,
            shift=latency.shift,
            scale=latency.scale,
            overflow=queue.overflow,
            own_shift=own_shift,
            own_scale=queue.scale,
            timeout=timeout,
            unrouted=unrouted,
            service_error=latency.service_error,
        )
        self._record(block, bins, queue.backlog)
        return block

    def _record(self, block: BlockResult, bins: IntArray, backlog: FloatArray) -> None:
        """Add what the block's pods did to their counters."""
        counters, dt = self.counters, self.tick
        # A throttled container uses its whole quota; otherwise what it asks for.
        usage = np.where(block.busy, block.limit, np.minimum(block.demand, block.limit))
        mean = moments(block.shift, block.scale, block.overflow, block.timeout)[0]
        codes = (block.ok, block.errors, block.timeouts)
        counters.cpu_seconds = _accumulate(counters.cpu_seconds, usage * dt)
        counters.codes += np.stack([c.sum(axis=0) for c in codes], axis=1)
        counters.bins += bins.sum(axis=0)
        counters.latency_sum = _accumulate(counters.latency_sum, block.arrivals * mean)
        counters.backlog = backlog
        # Little's law: in flight = arrival rate x mean latency, plus what waits in backlog.
        counters.inflight = block.arrivals[-1] / dt * mean[-1] + backlog

    def _arrive(self, start: float, ticks: int) -> tuple[IntArray, IntArray, CpuShare, QueueState]:
        """Draw the block's arrivals per pod and run the pods' CPU and queues on them.

        Returns the arrivals, the requests no pod could take, the CPU shares and the queues.
        """
        svc = self.layout.services
        entry = self.topology.load.expected(start, ticks, self.tick)
        arrivals, unrouted = self._balance(self._requests(entry))
        expected = self._expected(entry)
        share, queue = self._serve(arrivals, expected)
        passing = self._passing(arrivals, queue.overflow)
        if passing is not None:
            # Requests a caller dropped never reach its callees: thin their traffic, rerun.
            arrivals = np.rint(arrivals * passing[:, svc]).astype(np.int64)
            unrouted = np.rint(unrouted * passing).astype(np.int64)
            share, queue = self._serve(arrivals, expected * passing[:, svc])
        return arrivals, unrouted, share, queue

    def _requests(self, entry: FloatArray) -> IntArray:
        """Draw each tick's requests per service from the entry's arrivals and the mix."""
        arrivals = self._rng_arrivals.poisson(entry)
        journeys = self._rng_journeys.multinomial(arrivals, self.traffic.weights)
        return np.rint(journeys @ self.traffic.requests).astype(np.int64)

    def _expected(self, entry: FloatArray) -> FloatArray:
        """Return each pod's expected arrivals per tick (its share of the service's)."""
        layout = self.layout
        serving = np.array([c.size for c in layout.serving_columns])[layout.services]
        per_pod = self._per_entry[layout.services] * layout.serving / np.maximum(serving, 1)
        result: FloatArray = entry[:, None] * per_pod[None, :]
        return result

    def _serve(self, arrivals: IntArray, expected: FloatArray) -> tuple[CpuShare, QueueState]:
        """Run every pod's CPU share and queue over the block."""
        svc, dt = self.layout.services, self.tick
        contention = Contention(
            idle=self._idle[svc],
            extra=self.counters.extra_cpu,
            extra_threads=self.counters.extra_threads,
            threads=self._threads[svc],
        )
        share = cpu_share(arrivals, expected, dt, self._cost[svc], contention, self._limit[svc])
        budget = np.maximum(self._timeout[svc] - self._base[svc], 0.0)
        return share, run_queue(arrivals, share, dt, budget, self.counters.backlog)

    def _passing(self, arrivals: IntArray, overflow: FloatArray) -> FloatArray | None:
        """Return per (tick, service) the part of its requests whose callers did not drop them.

        A caller drops the requests that overflow its queue, and every request when none of
        its pods serves. None when nothing was dropped.
        """
        ticks, n_services = arrivals.shape[0], len(self._order)
        dropped = np.ones((ticks, n_services))
        for s, columns in enumerate(self.layout.serving_columns):
            if columns.size:
                weights = arrivals[:, columns]
                lost = (weights * overflow[:, columns]).sum(axis=1)
                dropped[:, s] = lost / np.maximum(weights.sum(axis=1), 1)
        if not dropped.any():
            return None
        passing = np.ones((ticks, n_services))
        for s in reversed(self._order):
            callers = self.traffic.caller_share[s]
            if callers.any():
                passing[:, s] = (passing * (1.0 - dropped)) @ callers
        return passing

    def _balance(self, requests: IntArray) -> tuple[IntArray, IntArray]:
        """Spread each service's requests evenly over its serving pods."""
        ticks = requests.shape[0]
        arrivals = np.zeros((ticks, len(self.layout.uids)), dtype=np.int64)
        unrouted = np.zeros_like(requests)
        for s, columns in enumerate(self.layout.serving_columns):
            if columns.size == 0:
                unrouted[:, s] = requests[:, s]
            elif columns.size == 1:
                arrivals[:, columns[0]] = requests[:, s]
            else:
                even = np.full(columns.size, 1.0 / columns.size)
                arrivals[:, columns] = self._rng_balance[s].multinomial(requests[:, s], even)
        return arrivals, unrouted

    def _observe(
        self, arrivals: IntArray, latency: Latency, overflow: FloatArray, timeout: FloatArray
    ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Draw what the pods record: (200s, 500s, 504s, histogram bin counts)."""
        probabilities = bin_probabilities(latency.shift, latency.scale, overflow, timeout)
        probabilities /= probabilities.sum(axis=-1, keepdims=True)
        draws = self._rng_latency.multinomial(arrivals, probabilities)
        timeouts = draws[..., -1]
        bins = draws[..., :-1]
        columns = np.arange(arrivals.shape[1])
        # A timed-out request is observed at its timeout, in the bucket holding it.
        bins[:, columns, self._timeout_bin[self.layout.services]] += timeouts
        completed = arrivals - timeouts
        errors = self._rng_errors.binomial(completed, latency.dependency_failure)
        return completed - errors, errors.astype(np.int64), timeouts, bins


def _accumulate(total: FloatArray, per_tick: FloatArray) -> FloatArray:
    """Add ``per_tick``'s rows to ``total`` one tick after another.

    Summing in tick order makes a counter bit-identical however the ticks were split into
    blocks, so when the twin is polled never changes its output.
    """
    result: FloatArray = np.add.accumulate(np.vstack([total[None, :], per_tick]), axis=0)[-1]
    return result
