"""The PromQL engine: instant and range queries over a :class:`~dos.tsdb.SeriesStore`."""

from __future__ import annotations

import math

import numpy as np

from dos.errors import QueryError
from dos.promql.compile import compile_expr
from dos.promql.nodes import EvalContext, Node
from dos.promql.values import LabelCache, RangeSeries, Sample, Vector
from dos.telemetry import Labels
from dos.tsdb import SeriesStore

__all__ = ["Engine"]

_PARSE_CACHE_LIMIT = 1000


class Engine:
    """Evaluates PromQL over ``store`` with Prometheus 2.42's semantics.

    Parsed expressions are cached by their text, and with them the label-set work of
    every evaluation, so evaluating the same rules again and again is cheap.

    >>> from dos.telemetry import labels_of
    >>> store = SeriesStore()
    >>> store.append_sample(labels_of("up", job="api"), 0.0, 1.0)
    >>> Engine(store).instant("up * 2", 10.0)
    [Sample(labels={'job': 'api'}, value=2.0)]
    """

    def __init__(
        self,
        store: SeriesStore,
        lookback_delta: float = 300.0,
        *,
        subquery_step: float = 60.0,
    ) -> None:
        if not lookback_delta > 0:
            raise QueryError("", f"lookback_delta must be positive, got {lookback_delta!r}")
        if not subquery_step > 0:
            raise QueryError("", f"subquery_step must be positive, got {subquery_step!r}")
        self.store = store
        self.lookback_delta = lookback_delta
        self.subquery_step = subquery_step
        """The step of a subquery written without one: Prometheus' evaluation interval."""
        self._parsed: dict[str, Node] = {}
        self._labels = LabelCache()

    def parse(self, expr: str) -> Node:
        """Compile ``expr`` (cached by its text); raise QueryError if it cannot be evaluated."""
        node = self._parsed.get(expr)
        if node is None:
            node = compile_expr(expr)
            if len(self._parsed) >= _PARSE_CACHE_LIMIT:
                self._parsed.clear()
            self._parsed[expr] = node
        return node

    def evaluate(self, expr: str, t: float) -> Vector:
        """Evaluate ``expr`` at ``t`` as a rule does: a scalar becomes one unlabelled element.

        The result keeps the engine's own representation (label tuples beside a value
        array); :meth:`instant` is the friendlier form.
        """
        return self._evaluate(expr, t, t, t)

    def _evaluate(self, expr: str, t: float, start: float, end: float) -> Vector:
        node = self.parse(expr)
        if not math.isfinite(t):
            raise QueryError(expr, f"evaluation time must be finite, got {t!r}")
        t = float(t)
        ctx = EvalContext(
            self.store,
            t,
            self.lookback_delta,
            self._labels,
            expr,
            float(start),
            float(end),
            self.subquery_step,
        )
        # Division by zero, overflow and NaN are PromQL answers, not errors.
        with np.errstate(all="ignore"):
            value = node.evaluate(ctx)
        if isinstance(value, float):
            return Vector([()], np.array([value]))
        if not isinstance(value, Vector):
            raise QueryError(
                expr, f"result is a {node.kind}; only a scalar or instant vector can be returned"
            )
        return value

    def instant(self, expr: str, t: float) -> list[Sample]:
        """Evaluate ``expr`` at time ``t``; a scalar result is one sample with no labels."""
        result = self.evaluate(expr, t)
        return [
            Sample(dict(labels), value)
            for labels, value in zip(result.labels, result.values.tolist(), strict=True)
        ]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[RangeSeries]:
        """Evaluate ``expr`` at ``start``, ``start + step``, ... up to ``end``.

        Each result series holds the steps at which it had a value; series come sorted by
        their labels.
        """
        if not step > 0:
            raise QueryError(expr, f"step must be positive, got {step!r}")
        if end < start:
            raise QueryError(expr, f"end {end!r} is before start {start!r}")
        # A small tolerance keeps a float-rounded last step (0.3 / 0.1) in the range.
        steps = math.floor((end - start) / step + 1e-9) + 1
        rows: dict[Labels, tuple[list[float], list[float]]] = {}
        for k in range(steps):
            t = float(start + k * step)
            result = self._evaluate(expr, t, start, end)
            for labels, value in zip(result.labels, result.values.tolist(), strict=True):
                times, values = rows.setdefault(labels, ([], []))
                times.append(t)
                values.append(value)
        return [
            RangeSeries(dict(labels), np.array(times, dtype=np.float64), np.array(values))
            for labels, (times, values) in sorted(rows.items())
        ]
