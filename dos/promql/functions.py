"""The function table: every PromQL function the engine evaluates, by name.

A function receives its evaluated arguments and returns a value; the call node checks the
result for duplicate label sets. A name missing from :data:`FUNCTIONS` is rejected when
the expression is compiled, never evaluated wrongly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dos.promql import overtime, rates
from dos.promql.gomath import go_max, go_min
from dos.promql.histograms import histogram_quantile
from dos.promql.nodes import EvalContext, Kind, Node, expect_scalar, expect_vector
from dos.promql.values import Value, Vector, check_unique

__all__ = ["FUNCTIONS", "CallNode", "Function"]

Implementation = Callable[[EvalContext, list[Value]], Value]


@dataclass(frozen=True, slots=True)
class Function:
    """A PromQL function: its name, result type and implementation."""

    name: str
    returns: Kind
    call: Implementation


class CallNode(Node):
    """A function call."""

    def __init__(self, function: Function, args: list[Node]) -> None:
        self.function = function
        self.args = args
        self.kind = function.returns

    def evaluate(self, ctx: EvalContext) -> Value:
        """Evaluate the arguments, then the function."""
        out = self.function.call(ctx, [arg.evaluate(ctx) for arg in self.args])
        if isinstance(out, Vector):
            check_unique(ctx.expr, out.labels)
        return out


def _elementwise(fn: Callable[[NDArray[np.float64]], NDArray[np.float64]]) -> Implementation:
    """Make a function applying ``fn`` to every value and dropping the metric name."""

    def call(ctx: EvalContext, args: list[Value]) -> Value:
        """Apply the function to every element."""
        vector = expect_vector(ctx, args[0])
        return Vector(ctx.labels.drop_names(vector.labels), fn(vector.values))

    return call


def _clamp_min(ctx: EvalContext, args: list[Value]) -> Value:
    vector = expect_vector(ctx, args[0])
    bound = expect_scalar(ctx, args[1])
    return Vector(ctx.labels.drop_names(vector.labels), go_max(vector.values, bound))


def _clamp_max(ctx: EvalContext, args: list[Value]) -> Value:
    vector = expect_vector(ctx, args[0])
    bound = expect_scalar(ctx, args[1])
    return Vector(ctx.labels.drop_names(vector.labels), go_min(vector.values, bound))


def _time(ctx: EvalContext, args: list[Value]) -> Value:
    return ctx.time


def _vector(ctx: EvalContext, args: list[Value]) -> Value:
    return Vector([()], np.array([expect_scalar(ctx, args[0])]))


def _scalar(ctx: EvalContext, args: list[Value]) -> Value:
    vector = expect_vector(ctx, args[0])
    return vector.values.item(0) if len(vector) == 1 else math.nan


def _table(*functions: Function) -> Mapping[str, Function]:
    return MappingProxyType({f.name: f for f in functions})


FUNCTIONS: Mapping[str, Function] = _table(
    Function("abs", Kind.VECTOR, _elementwise(np.abs)),
    Function("avg_over_time", Kind.VECTOR, overtime.avg_over_time),
    Function("ceil", Kind.VECTOR, _elementwise(np.ceil)),
    Function("clamp_max", Kind.VECTOR, _clamp_max),
    Function("clamp_min", Kind.VECTOR, _clamp_min),
    Function("count_over_time", Kind.VECTOR, overtime.count_over_time),
    Function("delta", Kind.VECTOR, rates.delta),
    Function("floor", Kind.VECTOR, _elementwise(np.floor)),
    Function("histogram_quantile", Kind.VECTOR, histogram_quantile),
    Function("increase", Kind.VECTOR, rates.increase),
    Function("irate", Kind.VECTOR, rates.irate),
    Function("last_over_time", Kind.VECTOR, overtime.last_over_time),
    Function("max_over_time", Kind.VECTOR, overtime.max_over_time),
    Function("min_over_time", Kind.VECTOR, overtime.min_over_time),
    Function("rate", Kind.VECTOR, rates.rate),
    Function("scalar", Kind.SCALAR, _scalar),
    Function("sum_over_time", Kind.VECTOR, overtime.sum_over_time),
    Function("time", Kind.SCALAR, _time),
    Function("vector", Kind.VECTOR, _vector),
)
"""Every supported function, by PromQL name."""
