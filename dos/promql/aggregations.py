"""Aggregation operators (``sum``, ``avg``, ``min``, ``max``, ``count``) with ``by``/``without``.

Elements are folded into their group in input order, exactly as Prometheus folds them,
so float results match bit for bit. Groups appear in the order of their first element.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dos.promql.nodes import EvalContext, Kind, Node, expect_vector
from dos.promql.values import Value, Vector
from dos.telemetry import Labels

__all__ = ["AGGREGATIONS", "AggregateNode"]

Groups = tuple[NDArray[np.intp], list[Labels]]
Fold = Callable[[NDArray[np.float64], NDArray[np.intp], int], NDArray[np.float64]]


class AggregateNode(Node):
    """``op by (labels) (expr)`` or ``op without (labels) (expr)``."""

    kind = Kind.VECTOR

    def __init__(self, op: str, operand: Node, grouping: tuple[str, ...], without: bool) -> None:
        self.op = op
        self.fold = AGGREGATIONS[op]
        self.operand = operand
        self.grouping = frozenset(grouping)
        self.without = without
        self._keys: dict[Labels, Labels] = {}
        self._memo: tuple[list[Labels], Groups] | None = None

    def evaluate(self, ctx: EvalContext) -> Value:
        """Aggregate the operand's elements into one element per group."""
        vector = expect_vector(ctx, self.operand.evaluate(ctx))
        if not len(vector):
            return Vector.empty()
        index, labels = self._groups(vector.labels)
        with np.errstate(all="ignore"):  # overflow to Inf is PromQL's answer, not an error
            values = self.fold(vector.values, index, len(labels))
        return Vector(labels, values)

    def _groups(self, labels: list[Labels]) -> Groups:
        # The same series come back every evaluation: reuse the grouping when they do.
        if self._memo is not None and self._memo[0] == labels:
            return self._memo[1]
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
            if self.without:
                key = tuple(p for p in labels if p[0] not in self.grouping and p[0] != "__name__")
            else:
                key = tuple(p for p in labels if p[0] in self.grouping)
            self._keys[labels] = key
        return key


def _first_then(
    values: NDArray[np.float64], index: NDArray[np.intp], size: int
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Return each group's first value and the positions of every later element."""
    # Groups are numbered by first appearance: an element opens a group iff its number
    # is larger than every number before it.
    opens = np.empty(len(index), dtype=bool)
    opens[0] = True
    opens[1:] = index[1:] > np.maximum.accumulate(index)[:-1]
    return values[opens], np.flatnonzero(~opens)


def _sum(values: NDArray[np.float64], index: NDArray[np.intp], size: int) -> NDArray[np.float64]:
    out, later = _first_then(values, index, size)
    np.add.at(out, index[later], values[later])
    return out


def _max(values: NDArray[np.float64], index: NDArray[np.intp], size: int) -> NDArray[np.float64]:
    # fmax keeps the running value unless the new one is larger or the running one is NaN.
    out, later = _first_then(values, index, size)
    np.fmax.at(out, index[later], values[later])
    return out


def _min(values: NDArray[np.float64], index: NDArray[np.intp], size: int) -> NDArray[np.float64]:
    out, later = _first_then(values, index, size)
    np.fmin.at(out, index[later], values[later])
    return out


def _count(values: NDArray[np.float64], index: NDArray[np.intp], size: int) -> NDArray[np.float64]:
    return np.bincount(index, minlength=size).astype(np.float64)


def _avg(values: NDArray[np.float64], index: NDArray[np.intp], size: int) -> NDArray[np.float64]:
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


AGGREGATIONS: Mapping[str, Fold] = MappingProxyType(
    {"avg": _avg, "count": _count, "max": _max, "min": _min, "sum": _sum}
)
"""Every supported aggregation operator, by PromQL name."""
