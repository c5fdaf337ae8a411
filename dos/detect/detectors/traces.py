"""Trace anomalies: shifts in the latency and error ratio of each call-graph edge.

Spans are joined to their parents to find each call's edge (caller service -> callee
service). Per edge and evaluation interval the detector takes the mean duration and the
error ratio of the calls, and compares them with exponentially weighted baselines: a
latency ``threshold`` standard deviations above its mean (and at least ``min_ratio``
times it), or an error ratio ``min_error_delta`` above its usual value, is a shift.
Edges with fewer than ``min_calls`` calls in an interval are not judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from dos.telemetry import Span

__all__ = ["EdgeStats", "TraceAnomaly", "TraceEdgeDetector"]

Edge = tuple[str, str]


@dataclass(frozen=True, slots=True)
class TraceAnomaly:
    """A shift on one call edge over an interval."""

    caller: str
    callee: str
    kind: str  # "latency" or "errors"
    value: float
    usual: float
    score: float


@dataclass(slots=True)
class EdgeStats:
    """The running baseline of one edge."""

    latency: float = math.nan
    variance: float = 0.0
    errors: float = 0.0
    intervals: int = 0


@dataclass
class TraceEdgeDetector:
    """Detect latency and error-ratio shifts per call-graph edge."""

    threshold: float = 4.0
    min_ratio: float = 1.5
    min_error_delta: float = 0.05
    min_calls: int = 3
    warmup: int = 20
    half_life: int = 40
    _calls: dict[Edge, list[float]] = field(init=False, default_factory=dict)
    _spans: dict[str, str] = field(init=False, default_factory=dict)
    _stats: dict[Edge, EdgeStats] = field(init=False, default_factory=dict)

    def observe(self, spans: Iterable[Span]) -> None:
        """Add spans; each span with a known parent is a call on the parent's edge."""
        batch = list(spans)
        for span in batch:
            self._spans[span.span_id] = span.service
        for span in batch:
            caller = self._spans.get(span.parent_id) if span.parent_id else None
            if caller is None or caller == span.service:
                continue
            sums = self._calls.setdefault((caller, span.service), [0.0, 0.0, 0.0])
            sums[0] += 1.0
            sums[1] += span.duration
            sums[2] += 1.0 if span.status == "ERROR" else 0.0

    def evaluate(self, now: float) -> list[TraceAnomaly]:
        """Return the edges that shifted since the last evaluation, then learn the interval."""
        alpha = 1.0 - 0.5 ** (1.0 / self.half_life)
        found = []
        for edge in sorted(self._calls):
            calls, total, errors = self._calls[edge]
            if calls < self.min_calls:
                continue
            stats = self._stats.setdefault(edge, EdgeStats())
            latency, ratio = total / calls, errors / calls
            if stats.intervals >= self.warmup:
                found.extend(self._judge(edge, stats, latency, ratio))
            _learn(stats, latency, ratio, alpha)
        self._calls.clear()
        self._spans.clear()
        return found

    def _judge(
        self, edge: Edge, stats: EdgeStats, latency: float, ratio: float
    ) -> list[TraceAnomaly]:
        found = []
        sd = math.sqrt(stats.variance) + 1e-9
        z = (latency - stats.latency) / sd
        if z > self.threshold and latency > self.min_ratio * stats.latency:
            found.append(
                TraceAnomaly(*edge, "latency", latency, stats.latency, z / (z + self.threshold))
            )
        delta = ratio - stats.errors
        if delta > self.min_error_delta:
            found.append(
                TraceAnomaly(
                    *edge, "errors", ratio, stats.errors, delta / (delta + self.min_error_delta)
                )
            )
        return found


def _learn(stats: EdgeStats, latency: float, ratio: float, alpha: float) -> None:
    if stats.intervals == 0:
        stats.latency, stats.errors = latency, ratio
    else:
        dev = latency - stats.latency
        stats.latency += alpha * dev
        stats.variance = (1.0 - alpha) * (stats.variance + alpha * dev * dev)
        stats.errors += alpha * (ratio - stats.errors)
    stats.intervals += 1
