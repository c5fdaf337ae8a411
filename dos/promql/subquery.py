"""Subqueries: ``expr[range:step]``, an instant expression evaluated over a range.

As in Prometheus 2.42, the inner expression is evaluated at every multiple of ``step``
(counted from time 0, in whole milliseconds) inside ``[ref - range, ref]``, where ``ref``
is the evaluation time (or the ``@`` time) minus the offset; a subquery without a step
uses the engine's default (Prometheus' global evaluation interval). The results form a
range vector like a range selector's.
"""

from __future__ import annotations

import numpy as np

from dos.promql.nodes import EvalContext, Kind, Node, expect_vector
from dos.promql.selectors import At, reference_time
from dos.promql.values import RangeWindows, Value
from dos.telemetry import Labels

__all__ = ["SubqueryNode", "subquery_steps"]


def subquery_steps(ref_ms: int, range_ms: int, step_ms: int) -> range:
    """Return the inner evaluation times (ms): multiples of ``step`` in ``[ref - range, ref]``.

    >>> list(subquery_steps(300_000, 180_000, 45_000))
    [135000, 180000, 225000, 270000]
    """
    first = -((range_ms - ref_ms) // step_ms) * step_ms  # the first multiple at or after
    return range(first, ref_ms + 1, step_ms)


class SubqueryNode(Node):
    """``expr[range:step] offset d @ t``."""

    kind = Kind.MATRIX

    def __init__(
        self, operand: Node, range_: float, step: float | None, offset: float, at: At
    ) -> None:
        self.operand = operand
        self.range = range_
        self.step = step
        self.offset = offset
        self.at = at

    def evaluate(self, ctx: EvalContext) -> Value:
        """Evaluate the operand at every step of the range; return each series' points."""
        ref = reference_time(ctx, self.at, self.offset)
        step = self.step if self.step is not None else ctx.subquery_step
        ref_ms, range_ms = round(ref * 1000), round(self.range * 1000)
        rows: dict[Labels, tuple[list[float], list[float]]] = {}
        for t_ms in subquery_steps(ref_ms, range_ms, max(round(step * 1000), 1)):
            t = t_ms / 1000
            inner = expect_vector(ctx, self.operand.evaluate(ctx.at(t)))
            for key, value in zip(inner.labels, inner.values.tolist(), strict=True):
                at, seen = rows.setdefault(key, ([], []))
                at.append(t)
                seen.append(value)
        labels = sorted(rows)
        width = max((len(rows[lbl][0]) for lbl in labels), default=0)
        times = np.zeros((len(labels), width))
        values = np.full((len(labels), width), np.nan)
        counts = np.zeros(len(labels), dtype=np.intp)
        for i, lbl in enumerate(labels):
            row_times, row_values = rows[lbl]
            counts[i] = len(row_times)
            times[i, : counts[i]] = row_times
            values[i, : counts[i]] = row_values
        return RangeWindows(
            labels,
            ctx.labels.drop_names(labels),
            times,
            values,
            counts,
            (ref_ms - range_ms) / 1000,
            ref,
            self.range,
        )
