"""Aggregation operators with ``by``/``without``, as Prometheus 2.42 evaluates them.

``sum``, ``avg``, ``min``, ``max``, ``count``, ``group``, ``stddev`` and ``stdvar`` fold each
group's elements in input order, exactly as Prometheus folds them, so float results match
bit for bit; groups appear in the order of their first element. ``topk``/``bottomk`` keep
whole elements (labels and name included), ``quantile`` interpolates between ranks and
``count_values`` counts elements per value, written as a label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dos.errors import QueryError
from dos.promql.gomath import format_fixed, format_float
from dos.promql.nodes import EvalContext, Kind, Node, expect_scalar, expect_vector
from dos.promql.stats import quantile
from dos.promql.values import Value, Vector
from dos.telemetry import Labels

__all__ = ["AGGREGATIONS", "PARAMETRIC", "AggregateNode"]

Array = NDArray[np.float64]
Index = NDArray[np.intp]
Groups = tuple[Index, list[Labels]]
Fold = Callable[[Array, Index, int], Array]

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_INT64 = 2.0**63


class AggregateNode(Node):
    """``op by (labels) (expr)`` or ``op without (labels) (expr)``, with ``op``'s parameter."""

    kind = Kind.VECTOR

    def __init__(
        self,
        op: str,
        operand: Node,
        grouping: tuple[str, ...],
        without: bool,
        param: Node | None = None,
    ) -> None:
        self.op = op
        self.operand = operand
        self.grouping = frozenset(grouping)
        self.without = without
        self.param = param
        self._keys: dict[Labels, Labels] = {}
        self._memo: tuple[list[Labels], Groups] | None = None

    def evaluate(self, ctx: EvalContext) -> Value:
        """Aggregate the operand's elements into one element per group."""
        param = self.param.evaluate(ctx) if self.param is not None else None
        vector = expect_vector(ctx, self.operand.evaluate(ctx))
        if self.op == "count_values":
            assert isinstance(param, str)  # the parser checked the parameter's type
            return self._count_values(ctx, vector, param)
        if not len(vector):
            return Vector.empty()
        index, labels = self._groups(vector.labels)
        if param is not None and self.op in ("topk", "bottomk"):
            return _select(ctx, vector, index, expect_scalar(ctx, param), self.op)
        if param is not None and self.op == "quantile":
            q = expect_scalar(ctx, param)
            values = [quantile(q, vector.values[index == g]) for g in range(len(labels))]
            return Vector(labels, np.array(values, dtype=np.float64))
        return Vector(labels, AGGREGATIONS[self.op](vector.values, index, len(labels)))

    def _groups(self, labels: list[Labels]) -> Groups:
        # The same series come back every evaluation: reuse the grouping when they do.
        memo = self._memo
        if memo is not None and (memo[0] is labels or memo[0] == labels):
            return memo[1]
        positions: dict[Labels, int] = {}
        index = np.fromiter(
            (positions.setdefault(self._key(lbl), len(positions)) for lbl in labels),
            dtype=np.intp,
            count=len(labels),
        )
        groups = (index, list(positions))
        self._memo = (labels, groups)
        return groups

    def _key(self, labels: Labels) -> Labels:
        key = self._keys.get(labels)
        if key is None:
            if len(self._keys) > 100_000:
                self._keys.clear()
            key = _group_labels(labels, self.grouping, self.without)
            self._keys[labels] = key
        return key

    def _count_values(self, ctx: EvalContext, vector: Vector, name: str) -> Vector:
        if not _LABEL_NAME.fullmatch(name):
            raise QueryError(ctx.expr, f"invalid label name {_go_quote(name)}")
        grouping = self.grouping if self.without else self.grouping | {name}
        counts: dict[Labels, int] = {}
        for labels, value in zip(vector.labels, vector.values.tolist(), strict=True):
            relabelled = dict(labels)
            relabelled[name] = format_fixed(value)
            key = _group_labels(tuple(sorted(relabelled.items())), grouping, self.without)
            counts[key] = counts.get(key, 0) + 1
        return Vector(list(counts), np.array(list(counts.values()), dtype=np.float64))


def _group_labels(labels: Labels, grouping: frozenset[str], without: bool) -> Labels:
    """Return the labels of the group an element with ``labels`` falls in."""
    if without:
        return tuple(p for p in labels if p[0] not in grouping and p[0] != "__name__")
    return tuple(p for p in labels if p[0] in grouping)


def _go_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _select(ctx: EvalContext, vector: Vector, index: Index, k_value: float, op: str) -> Vector:
    """``topk``/``bottomk``: the ``k`` largest/smallest elements of each group, NaN last."""
    if not -_INT64 <= k_value < _INT64:  # NaN fails too
        raise QueryError(ctx.expr, f"Scalar value {format_float(k_value)} overflows int64")
    k = math.trunc(k_value)
    if k < 1:
        return Vector.empty()
    values = vector.values
    keys = -values if op == "topk" else values
    order = np.argsort(keys, kind="stable")  # NaN sorts last
    # Prometheus lists each group's elements together, groups in order of appearance.
    chosen: list[list[int]] = [[] for _ in range(int(index.max()) + 1)]
    for i in order.tolist():
        group = chosen[index[i]]
        if len(group) < k:
            group.append(i)
    rows = [i for group in chosen for i in group]
    return Vector([vector.labels[i] for i in rows], values[rows])


def _first_then(values: Array, index: Index) -> tuple[Array, Index]:
    """Return each group's first value and the positions of every later element."""
    # Groups are numbered by first appearance: an element opens a group iff its number
    # is larger than every number before it.
    opens = np.empty(len(index), dtype=bool)
    opens[0] = True
    opens[1:] = index[1:] > np.maximum.accumulate(index)[:-1]
    return values[opens], np.flatnonzero(~opens)


def _sum(values: Array, index: Index, size: int) -> Array:
    # bincount adds in input order, as Prometheus does, but from 0.0 rather than from the
    # first value: the same sum, but for a group of -0 alone, which Prometheus sums to -0.
    out = np.bincount(index, weights=values, minlength=size).astype(np.float64, copy=False)
    if np.count_nonzero(out == 0):
        negative_zero = np.signbit(values) & (values == 0)
        if np.count_nonzero(negative_zero):
            all_negative = np.bincount(index, negative_zero, size) == np.bincount(
                index, None, size
            )
            out[all_negative] = -0.0
    return out


def _max(values: Array, index: Index, size: int) -> Array:
    # fmax keeps the running value unless the new one is larger or the running one is NaN.
    out, later = _first_then(values, index)
    np.fmax.at(out, index[later], values[later])
    return out


def _min(values: Array, index: Index, size: int) -> Array:
    out, later = _first_then(values, index)
    np.fmin.at(out, index[later], values[later])
    return out


def _count(values: Array, index: Index, size: int) -> Array:
    return np.bincount(index, minlength=size).astype(np.float64)


def _group(values: Array, index: Index, size: int) -> Array:
    return np.ones(size)


def _avg(values: Array, index: Index, size: int) -> Array:
    # A running mean (as Prometheus keeps it) cannot overflow where a sum would.
    mean = [0.0] * size
    count = [0] * size
    for g, v in zip(index.tolist(), values.tolist(), strict=True):
        count[g] += 1
        n = count[g]
        m = mean[g]
        if n == 1:
            mean[g] = v
        elif math.isinf(m) and (
            (math.isinf(v) and (m > 0) == (v > 0)) or not (math.isinf(v) or math.isnan(v))
        ):
            continue
        else:
            mean[g] = m + (v / n - m / n)
    return np.array(mean, dtype=np.float64)


def _variance(values: Array, index: Index, size: int) -> Array:
    # Welford's running variance, step for step as Prometheus computes it.
    mean = [0.0] * size
    spread = [0.0] * size
    count = [0] * size
    for g, v in zip(index.tolist(), values.tolist(), strict=True):
        count[g] += 1
        if count[g] == 1:
            mean[g] = v
            continue
        delta = v - mean[g]
        mean[g] += delta / count[g]
        spread[g] += delta * (v - mean[g])
    return np.array(spread, dtype=np.float64) / np.array(count, dtype=np.float64)


def _stddev(values: Array, index: Index, size: int) -> Array:
    return np.sqrt(_variance(values, index, size))


AGGREGATIONS: Mapping[str, Fold] = MappingProxyType(
    {
        "avg": _avg,
        "count": _count,
        "group": _group,
        "max": _max,
        "min": _min,
        "stddev": _stddev,
        "stdvar": _variance,
        "sum": _sum,
    }
)
"""The aggregation operators without a parameter, by PromQL name."""

PARAMETRIC = frozenset({"bottomk", "count_values", "quantile", "topk"})
"""The aggregation operators that take a parameter."""
