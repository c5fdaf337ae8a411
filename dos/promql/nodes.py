"""The evaluable expression tree: what a parsed PromQL expression is compiled into.

Each node evaluates at one instant. Nodes may memoise label-set work between evaluations
(an expression is compiled once and evaluated every rule interval), never values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from dos.errors import QueryError
from dos.promql.values import LabelCache, Value, Vector
from dos.tsdb import SeriesStore

__all__ = [
    "EvalContext",
    "Kind",
    "NegateNode",
    "Node",
    "NumberNode",
    "StringNode",
    "expect_scalar",
    "expect_vector",
]


class Kind(StrEnum):
    """The type of value an expression yields."""

    SCALAR = "scalar"
    STRING = "string"
    VECTOR = "instant vector"
    MATRIX = "range vector"


@dataclass(slots=True)
class EvalContext:
    """One evaluation: the store, the instant, the lookback and the expression's text.

    ``start`` and ``end`` are the query's (what ``@ start()`` and ``@ end()`` mean; both
    are the evaluation time for an instant query); ``subquery_step`` is the step of a
    subquery written without one.
    """

    store: SeriesStore
    time: float
    lookback: float
    labels: LabelCache
    expr: str
    start: float
    end: float
    subquery_step: float

    def at(self, time: float) -> EvalContext:
        """Return this context moved to ``time``."""
        return EvalContext(
            self.store,
            time,
            self.lookback,
            self.labels,
            self.expr,
            self.start,
            self.end,
            self.subquery_step,
        )


class Node(ABC):
    """An expression that evaluates to a value at one instant."""

    kind: Kind

    @abstractmethod
    def evaluate(self, ctx: EvalContext) -> Value:
        """Return this expression's value at ``ctx.time``."""


class NumberNode(Node):
    """A number literal."""

    kind = Kind.SCALAR

    def __init__(self, value: float) -> None:
        self.value = value

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return the literal."""
        return self.value


class StringNode(Node):
    """A string literal."""

    kind = Kind.STRING

    def __init__(self, value: str) -> None:
        self.value = value

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return the literal."""
        return self.value


class NegateNode(Node):
    """Unary minus: negates a scalar, or every element of a vector (dropping the name)."""

    def __init__(self, operand: Node) -> None:
        self.operand = operand
        self.kind = operand.kind

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return the negated operand."""
        value = self.operand.evaluate(ctx)
        if isinstance(value, float):
            return -value
        vector = expect_vector(ctx, value)
        labels = ctx.labels.drop_names(vector.labels)
        ctx.labels.check_unique(ctx.expr, labels)
        return Vector(labels, -vector.values)


def expect_vector(ctx: EvalContext, value: Value) -> Vector:
    """Return ``value`` as an instant vector, or fail naming what it was."""
    if not isinstance(value, Vector):
        raise QueryError(ctx.expr, f"expected an instant vector, got {type(value).__name__}")
    return value


def expect_scalar(ctx: EvalContext, value: Value) -> float:
    """Return ``value`` as a scalar, or fail naming what it was."""
    if not isinstance(value, float):
        raise QueryError(ctx.expr, f"expected a scalar, got {type(value).__name__}")
    return value
