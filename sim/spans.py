"""Sampled traces: a few whole requests per scrape interval, following the call graph.

Each sampled trace picks a tick of the interval and a journey by the mix, enters at the
entry service and follows the journey's calls: every span's pod is drawn by its share of
the traffic at that tick, its own time from the pod's own latency distribution, and its
children (the calls one request makes, on average ``per_request`` of each) run one after
another inside it. A span is ``ERROR`` when it overflowed its pod's queue, ran past its
timeout, or a call to a critical callee failed (a callee with no serving pod fails at once
and leaves no span of its own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dos.telemetry import Span
from sim.interval import Interval
from sim.model import BlockResult
from sim.topology import Topology
from sim.traffic import Traffic

__all__ = ["SpanSampler"]


@dataclass(frozen=True, slots=True)
class _Moment:
    """Where in the interval a trace happens: a block, a tick of it, the journey."""

    block: BlockResult
    row: int
    journey: int
    trace_id: str


class _Draws:
    """Uniform draws taken from a generator in batches (scalar draws cost a call each)."""

    def __init__(self, rng: np.random.Generator, size: int = 1024) -> None:
        self._rng = rng
        self._size = size
        self._buffer: list[float] = []

    def uniform(self) -> float:
        """Return the next uniform draw in [0, 1)."""
        if not self._buffer:
            self._buffer = self._rng.random(self._size).tolist()
            self._buffer.reverse()
        return self._buffer.pop()

    def exponential(self, mean: float) -> float:
        """Return an exponential draw of mean ``mean``."""
        return -mean * math.log1p(-self.uniform())

    def identifier(self, hex_digits: int) -> str:
        """Return a random lowercase hex identifier of ``hex_digits`` digits."""
        parts = [f"{int(self.uniform() * 2**32):08x}" for _ in range(hex_digits // 8)]
        return "".join(parts)

    def index(self, weights: list[float]) -> int:
        """Return an index drawn with probability proportional to ``weights``."""
        target = self.uniform() * sum(weights)
        for i, weight in enumerate(weights):
            target -= weight
            if target < 0:
                return i
        return len(weights) - 1


class SpanSampler:
    """Samples ``rate`` traces per second of simulated time."""

    def __init__(
        self, topology: Topology, traffic: Traffic, rng: np.random.Generator, rate: float
    ) -> None:
        self._entry = topology.index(topology.entry)
        self._names = topology.names
        self._traffic = traffic
        self._rng = rng
        self._draws = _Draws(rng)
        self._weights = traffic.weights.tolist()
        self._rate = rate

    def sample(self, interval: Interval) -> list[Span]:
        """Return the spans of the traces sampled in ``interval``."""
        ticks = interval.ticks
        if ticks == 0 or self._rate <= 0:
            return []
        spans: list[Span] = []
        draws = self._draws
        for _ in range(int(self._rng.poisson(self._rate * ticks * interval.tick))):
            moment = self._moment(interval, min(int(draws.uniform() * ticks), ticks - 1))
            # From the absolute tick, so that where blocks split cannot change the result.
            first = round(moment.block.start / moment.block.tick)
            start = (first + moment.row + draws.uniform()) * moment.block.tick
            operation = self._traffic.entry_operations[moment.journey]
            trace: list[Span] = []
            self._span(moment, self._entry, operation, start, None, trace)
            # Spans end up children first; a trace reads parent first, by start time.
            spans.extend(sorted(trace, key=lambda span: span.start))
        return spans

    def _moment(self, interval: Interval, tick: int) -> _Moment:
        """Return the block and row of the interval's ``tick``-th tick, with a journey."""
        for block in interval.blocks:
            if tick < block.ticks:
                break
            tick -= block.ticks
        journey = self._draws.index(self._weights)
        return _Moment(block, tick, journey, self._draws.identifier(32))

    def _span(
        self,
        moment: _Moment,
        service: int,
        operation: str,
        start: float,
        parent: str | None,
        out: list[Span],
    ) -> tuple[float, bool] | None:
        """Add the span of one request to ``service`` (and its calls' spans) to ``out``.

        Returns its duration and whether it failed, or None when no pod could take it.
        """
        block, row, draws = moment.block, moment.row, self._draws
        column = self._pick_pod(block, row, service)
        if column is None:
            return None
        span_id = draws.identifier(16)
        name = self._names[service]
        timeout = float(block.timeout[column])
        if draws.uniform() < block.overflow[row, column]:
            out.append(
                Span(moment.trace_id, span_id, parent, name, operation, start, timeout, "ERROR")
            )
            return timeout, True
        own = float(block.own_shift[row, column]) + draws.exponential(
            float(block.own_scale[row, column])
        )
        cursor, failed = start + own / 2.0, False
        for call in self._traffic.span_calls[moment.journey][service]:
            repeats = math.floor(call.per_request) + int(draws.uniform() < call.per_request % 1.0)
            for _ in range(repeats):
                child = self._span(moment, call.callee, call.operation, cursor, span_id, out)
                critical = bool(self._traffic.critical[service, call.callee])
                if child is None:
                    failed |= critical
                    continue
                cursor += child[0]
                failed |= child[1] and critical
        duration = cursor + own / 2.0 - start
        if duration >= timeout:
            duration, failed = timeout, True
        status = "ERROR" if failed else "OK"
        out.append(
            Span(moment.trace_id, span_id, parent, name, operation, start, duration, status)
        )
        return duration, failed

    def _pick_pod(self, block: BlockResult, row: int, service: int) -> int | None:
        """Draw the serving pod of ``service`` a request at ``row`` went to, if any."""
        columns = block.layout.serving_columns[service]
        if columns.size == 0:
            return None
        if columns.size == 1:
            return int(columns[0])
        weights = block.arrivals[row, columns].tolist()
        if sum(weights) <= 0:
            weights = [1.0] * len(weights)
        return int(columns[self._draws.index(weights)])
