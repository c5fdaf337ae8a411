"""Instant and range vector selectors: how PromQL reads the store.

Semantics are Prometheus 2.42's: an instant selector takes each series' newest sample in
``[t - offset - lookback, t - offset]`` unless that sample is a stale marker; a range
selector takes the samples in ``[t - offset - range, t - offset]``, both ends included,
stale markers dropped.
"""

from __future__ import annotations

import numpy as np

from dos.promql.nodes import EvalContext, Kind, Node
from dos.promql.values import RangeWindows, Value, Vector
from dos.telemetry import is_stale
from dos.tsdb import Matcher

__all__ = ["MatrixSelectorNode", "VectorSelectorNode"]


class VectorSelectorNode(Node):
    """``metric{label="value"} offset d``."""

    kind = Kind.VECTOR

    def __init__(self, matchers: tuple[Matcher, ...], offset: float) -> None:
        self.matchers = matchers
        self.offset = offset

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return each matching series' newest sample within the lookback."""
        ref = ctx.time - self.offset
        oldest = ref - ctx.lookback
        labels = []
        values = []
        for s in ctx.store.select(self.matchers):
            # Rules evaluate "now": the newest sample is usually the one wanted.
            if s.newest_time <= ref:
                t, v = s.newest_time, s.newest_value
            else:
                count = s.count_until(ref)
                if count == 0:
                    continue
                t, v = s.at(count - 1)
            if t < oldest or (v != v and is_stale(v)):
                continue
            labels.append(s.labels)
            values.append(v)
        return Vector(labels, np.array(values, dtype=np.float64))


class MatrixSelectorNode(Node):
    """``metric{label="value"}[range] offset d``."""

    kind = Kind.MATRIX

    def __init__(self, selector: VectorSelectorNode, range_: float) -> None:
        self.selector = selector
        self.range = range_

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return each matching series' window of samples (empty windows left out)."""
        end = ctx.time - self.selector.offset
        start = end - self.range
        series = []
        lo = []
        hi = []
        for s in ctx.store.select(self.selector.matchers):
            stop = s.count_until(end)
            first = s.count_before(start)
            if stop > first:
                series.append(s)
                lo.append(first)
                hi.append(stop)
        return RangeWindows(series, lo, hi, start, end, self.range)
