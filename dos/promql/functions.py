"""The function table: every PromQL function of Prometheus 2.42 the engine evaluates, by name.

A function receives its evaluated arguments and returns a value; the call node checks the
result for duplicate label sets. ``absent``, ``absent_over_time`` and ``timestamp`` look
at their argument's syntax, so they have nodes of their own. A name missing from
:data:`FUNCTIONS` is rejected when the expression is compiled, never evaluated wrongly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from dos.promql import mathfns, overtime, rates, regression
from dos.promql.histograms import histogram_quantile
from dos.promql.labelfns import label_join, label_replace
from dos.promql.nodes import EvalContext, Kind, Node, expect_scalar, expect_vector
from dos.promql.selectors import VectorSelectorNode
from dos.promql.values import RangeWindows, Value, Vector
from dos.telemetry import Labels

__all__ = ["FUNCTIONS", "AbsentNode", "CallNode", "Function", "TimestampNode"]

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
            ctx.labels.check_unique(ctx.expr, out.labels)
        return out


class AbsentNode(Node):
    """``absent(v)`` or ``absent_over_time(m)``: one element when the argument has none.

    Its labels are fixed when compiled, from the argument's equality matchers.
    """

    kind = Kind.VECTOR

    def __init__(self, operand: Node, labels: Labels) -> None:
        self.operand = operand
        self.labels = labels

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return ``{labels} 1`` if the operand is empty, else nothing."""
        value = self.operand.evaluate(ctx)
        if isinstance(value, Vector | RangeWindows) and len(value):
            return Vector.empty()
        return Vector([self.labels], np.ones(1))


class TimestampNode(Node):
    """``timestamp(v)``: each element's sample time; a selector's own samples' times."""

    kind = Kind.VECTOR

    def __init__(self, operand: Node) -> None:
        self.operand = operand

    def evaluate(self, ctx: EvalContext) -> Value:
        """Return the time of each element's sample, in seconds."""
        if isinstance(self.operand, VectorSelectorNode):
            selection = ctx.store.selection(self.operand.matchers)
            times, _, keep = self.operand.latest(ctx, selection)
            labels = [lbl for lbl, k in zip(selection.unnamed, keep.tolist(), strict=True) if k]
            ctx.labels.check_unique(ctx.expr, labels)
            return Vector(labels, times[keep])
        # Anything else is computed at the evaluation time.
        vector = expect_vector(ctx, self.operand.evaluate(ctx))
        labels = ctx.labels.drop_names(vector.labels)
        ctx.labels.check_unique(ctx.expr, labels)
        return Vector(labels, np.full(len(vector), ctx.time))


def _time(ctx: EvalContext, args: list[Value]) -> Value:
    return ctx.time


def _pi(ctx: EvalContext, args: list[Value]) -> Value:
    return math.pi


def _vector(ctx: EvalContext, args: list[Value]) -> Value:
    return Vector([()], np.array([expect_scalar(ctx, args[0])]))


def _scalar(ctx: EvalContext, args: list[Value]) -> Value:
    vector = expect_vector(ctx, args[0])
    return vector.values.item(0) if len(vector) == 1 else math.nan


def _nothing(ctx: EvalContext, args: list[Value]) -> Value:
    # The native-histogram functions: the store holds float samples only.
    return Vector.empty()


def _table(*functions: Function) -> Mapping[str, Function]:
    return MappingProxyType({f.name: f for f in sorted(functions, key=lambda f: f.name)})


def _vector_functions(table: Mapping[str, Implementation]) -> list[Function]:
    return [Function(name, Kind.VECTOR, call) for name, call in table.items()]


FUNCTIONS: Mapping[str, Function] = _table(
    *_vector_functions(mathfns.ELEMENTWISE),
    *_vector_functions(mathfns.CALENDAR),
    Function("avg_over_time", Kind.VECTOR, overtime.avg_over_time),
    Function("changes", Kind.VECTOR, overtime.changes),
    Function("clamp", Kind.VECTOR, mathfns.clamp),
    Function("clamp_max", Kind.VECTOR, mathfns.clamp_max),
    Function("clamp_min", Kind.VECTOR, mathfns.clamp_min),
    Function("count_over_time", Kind.VECTOR, overtime.count_over_time),
    Function("delta", Kind.VECTOR, rates.delta),
    Function("deriv", Kind.VECTOR, regression.deriv),
    Function("histogram_count", Kind.VECTOR, _nothing),
    Function("histogram_fraction", Kind.VECTOR, _nothing),
    Function("histogram_quantile", Kind.VECTOR, histogram_quantile),
    Function("histogram_sum", Kind.VECTOR, _nothing),
    Function("holt_winters", Kind.VECTOR, regression.holt_winters),
    Function("idelta", Kind.VECTOR, rates.idelta),
    Function("increase", Kind.VECTOR, rates.increase),
    Function("irate", Kind.VECTOR, rates.irate),
    Function("label_join", Kind.VECTOR, label_join),
    Function("label_replace", Kind.VECTOR, label_replace),
    Function("last_over_time", Kind.VECTOR, overtime.last_over_time),
    Function("max_over_time", Kind.VECTOR, overtime.max_over_time),
    Function("min_over_time", Kind.VECTOR, overtime.min_over_time),
    Function("pi", Kind.SCALAR, _pi),
    Function("predict_linear", Kind.VECTOR, regression.predict_linear),
    Function("present_over_time", Kind.VECTOR, overtime.present_over_time),
    Function("quantile_over_time", Kind.VECTOR, overtime.quantile_over_time),
    Function("rate", Kind.VECTOR, rates.rate),
    Function("resets", Kind.VECTOR, overtime.resets),
    Function("round", Kind.VECTOR, mathfns.round_),
    Function("scalar", Kind.SCALAR, _scalar),
    Function("sort", Kind.VECTOR, mathfns.sort),
    Function("sort_desc", Kind.VECTOR, mathfns.sort_desc),
    Function("stddev_over_time", Kind.VECTOR, overtime.stddev_over_time),
    Function("stdvar_over_time", Kind.VECTOR, overtime.stdvar_over_time),
    Function("sum_over_time", Kind.VECTOR, overtime.sum_over_time),
    Function("time", Kind.SCALAR, _time),
    Function("vector", Kind.VECTOR, _vector),
)
"""Every supported function but ``absent``, ``absent_over_time`` and ``timestamp``, by name."""
