"""Turn PromQL text into an evaluable tree, rejecting what Prometheus 2.42 would not run.

Parsing is ``promql_parser``'s; this module maps its syntax tree onto the engine's nodes
and raises :class:`~dos.errors.QueryError` naming any function, operator or construct the
engine cannot evaluate (functions added to PromQL after 2.42, ``or`` inside a selector's
braces, fill modifiers), so an expression is either evaluated right or refused.
"""

from __future__ import annotations

from datetime import timedelta

import promql_parser as pp

from dos.errors import QueryError
from dos.promql.aggregations import AGGREGATIONS, PARAMETRIC, AggregateNode
from dos.promql.binops import ARITHMETIC, COMPARISONS, SET_OPERATORS, BinaryNode, Card, Matching
from dos.promql.functions import FUNCTIONS, AbsentNode, CallNode, TimestampNode
from dos.promql.labelfns import absent_labels
from dos.promql.nodes import NegateNode, Node, NumberNode, StringNode
from dos.promql.selectors import At, MatrixSelectorNode, VectorSelectorNode
from dos.promql.subquery import SubqueryNode
from dos.telemetry import Labels
from dos.tsdb import Matcher, MatchOp, StoreError

__all__ = ["compile_expr"]

# The parser's enum members are not hashable: key them by their names.
_MATCH_OPS = {
    str(pp.MatchOp.Equal): MatchOp.EQUAL,
    str(pp.MatchOp.NotEqual): MatchOp.NOT_EQUAL,
    str(pp.MatchOp.Re): MatchOp.REGEX,
    str(pp.MatchOp.NotRe): MatchOp.NOT_REGEX,
}
_CARDS = {
    str(pp.VectorMatchCardinality.OneToOne): Card.ONE_TO_ONE,
    str(pp.VectorMatchCardinality.ManyToOne): Card.MANY_TO_ONE,
    str(pp.VectorMatchCardinality.OneToMany): Card.ONE_TO_MANY,
    str(pp.VectorMatchCardinality.ManyToMany): Card.MANY_TO_MANY,
}


_AT_KINDS: dict[str, At] = {
    str(pp.AtModifierType.Start): "start",
    str(pp.AtModifierType.End): "end",
}
_HOLT_WINTERS = [
    pp.Function(
        "holt_winters",
        [pp.ValueType.Matrix, pp.ValueType.Scalar, pp.ValueType.Scalar],
        pp.ValueType.Vector,
    )
]


def compile_expr(text: str) -> Node:
    """Parse ``text`` and build its evaluable tree."""
    # The parser knows holt_winters only by its later name; registering is idempotent.
    pp.register_extra_functions(_HOLT_WINTERS)
    try:
        tree = pp.parse(text)
    except ValueError as exc:
        raise QueryError(text, f"parse error: {exc}") from exc
    return _Compiler(text).node(tree)


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text

    def unsupported(self, what: str) -> QueryError:
        """Return the error for a construct this engine does not evaluate."""
        return QueryError(self.text, f"{what} is not supported by this engine")

    def node(self, tree: pp.Expr) -> Node:
        """Compile any parsed expression."""
        if isinstance(tree, pp.ParenExpr):
            return self.node(tree.expr)
        if isinstance(tree, pp.NumberLiteral):
            return NumberNode(float(tree.val))
        if isinstance(tree, pp.StringLiteral):
            return StringNode(tree.val)
        if isinstance(tree, pp.UnaryExpr):
            return NegateNode(self.node(tree.expr))
        if isinstance(tree, pp.VectorSelector):
            return self.selector(tree)
        if isinstance(tree, pp.MatrixSelector):
            return MatrixSelectorNode(
                self.selector(tree.vector_selector), tree.range.total_seconds()
            )
        if isinstance(tree, pp.Call):
            return self.call(tree)
        if isinstance(tree, pp.AggregateExpr):
            return self.aggregate(tree)
        if isinstance(tree, pp.BinaryExpr):
            return self.binary(tree)
        if isinstance(tree, pp.SubqueryExpr):
            return SubqueryNode(
                self.node(tree.expr),
                _seconds(tree.range),
                tree.step.total_seconds() if tree.step is not None else None,
                _seconds(tree.offset),
                _at(tree.at),
            )
        raise self.unsupported(f"expression {type(tree).__name__}")

    def selector(self, tree: pp.VectorSelector) -> VectorSelectorNode:
        """Compile an instant selector into store matchers."""
        if tree.matchers.or_matchers:
            raise self.unsupported("'or' inside a selector's braces")
        matchers = []
        if tree.name:
            matchers.append(Matcher("__name__", MatchOp.EQUAL, tree.name))
        try:
            matchers.extend(
                Matcher(m.name, _MATCH_OPS[str(m.op)], m.value) for m in tree.matchers.matchers
            )
        except StoreError as exc:
            raise QueryError(self.text, str(exc)) from exc
        return VectorSelectorNode(tuple(matchers), _seconds(tree.offset), _at(tree.at))

    def call(self, tree: pp.Call) -> Node:
        """Compile a call of a function from the function table."""
        name = tree.func.name
        args = [self.node(arg) for arg in tree.args]
        if name in ("absent", "absent_over_time"):
            return AbsentNode(args[0], _absent_labels(args[0]))
        if name == "timestamp":
            return TimestampNode(args[0])
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.unsupported(f"function {name}() (not in Prometheus 2.42's PromQL)")
        return CallNode(function, args)

    def aggregate(self, tree: pp.AggregateExpr) -> AggregateNode:
        """Compile an aggregation with its grouping and parameter."""
        op = str(tree.op)
        if op not in AGGREGATIONS and op not in PARAMETRIC:
            raise self.unsupported(f"aggregation {op} (not in Prometheus 2.42's PromQL)")
        param = self.node(tree.param) if tree.param is not None else None
        modifier = tree.modifier
        without = modifier is not None and modifier.type == pp.AggModifierType.Without
        grouping = tuple(modifier.labels) if modifier is not None else ()
        return AggregateNode(op, self.node(tree.expr), grouping, without, param)

    def binary(self, tree: pp.BinaryExpr) -> BinaryNode:
        """Compile a binary operator with its matching and ``bool``."""
        op = str(tree.op)
        if op not in ARITHMETIC and op not in COMPARISONS and op not in SET_OPERATORS:
            raise self.unsupported(f"operator {op}")
        modifier = tree.modifier
        matching = Matching(Card.MANY_TO_MANY if op in SET_OPERATORS else Card.ONE_TO_ONE)
        return_bool = False
        if modifier is not None:
            fill = modifier.fill_values
            if fill is not None and (fill.lhs is not None or fill.rhs is not None):
                raise self.unsupported("a fill modifier")
            return_bool = modifier.return_bool
            matching = Matching(
                _CARDS[str(modifier.card)],
                on=modifier.matching is not None
                and modifier.matching.type == pp.LabelModifierType.Include,
                labels=tuple(modifier.matching.labels) if modifier.matching else (),
                include=tuple(modifier.group_labels or ()),
            )
        return BinaryNode(op, self.node(tree.lhs), self.node(tree.rhs), matching, return_bool)


def _absent_labels(arg: Node) -> Labels:
    """Return the labels ``absent`` reports for ``arg``: a selector's equality matchers."""
    if isinstance(arg, MatrixSelectorNode):
        arg = arg.selector
    if isinstance(arg, VectorSelectorNode):
        return absent_labels(arg.matchers)
    return ()


def _seconds(duration: timedelta | None) -> float:
    """Return an optional duration (an offset, maybe negative) in seconds."""
    return duration.total_seconds() if duration is not None else 0.0


def _at(modifier: pp.AtModifier | None) -> At:
    """Return an ``@`` modifier as a time in seconds, ``"start"``, ``"end"`` or None."""
    if modifier is None:
        return None
    kind = _AT_KINDS.get(str(modifier.type))
    if kind is not None or modifier.at is None:
        return kind
    return float(modifier.at.timestamp())
