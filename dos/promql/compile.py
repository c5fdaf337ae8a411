"""Turn PromQL text into an evaluable tree, rejecting what the engine does not support.

Parsing is ``promql_parser``'s; this module maps its syntax tree onto the engine's nodes
and raises :class:`~dos.errors.QueryError` naming any function, operator or construct the
engine cannot evaluate yet, so an expression is either evaluated right or refused.
"""

from __future__ import annotations

import promql_parser as pp

from dos.errors import QueryError
from dos.promql.aggregations import AGGREGATIONS, AggregateNode
from dos.promql.binops import ARITHMETIC, COMPARISONS, SET_OPERATORS, BinaryNode, Card, Matching
from dos.promql.functions import FUNCTIONS, CallNode
from dos.promql.nodes import NegateNode, Node, NumberNode, StringNode
from dos.promql.selectors import MatrixSelectorNode, VectorSelectorNode
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


def compile_expr(text: str) -> Node:
    """Parse ``text`` and build its evaluable tree."""
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
            raise self.unsupported("a subquery")
        raise self.unsupported(f"expression {type(tree).__name__}")

    def selector(self, tree: pp.VectorSelector) -> VectorSelectorNode:
        """Compile an instant selector into store matchers."""
        if tree.at is not None:
            raise self.unsupported("the @ modifier")
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
        offset = tree.offset.total_seconds() if tree.offset is not None else 0.0
        return VectorSelectorNode(tuple(matchers), offset)

    def call(self, tree: pp.Call) -> CallNode:
        """Compile a call of a function from the function table."""
        name = tree.func.name
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.unsupported(f"function {name}()")
        return CallNode(function, [self.node(arg) for arg in tree.args])

    def aggregate(self, tree: pp.AggregateExpr) -> AggregateNode:
        """Compile an aggregation with its grouping."""
        op = str(tree.op)
        if op not in AGGREGATIONS:
            raise self.unsupported(f"aggregation {op}")
        if tree.param is not None:
            raise self.unsupported(f"a parameter to {op}")
        modifier = tree.modifier
        without = modifier is not None and modifier.type == pp.AggModifierType.Without
        grouping = tuple(modifier.labels) if modifier is not None else ()
        return AggregateNode(op, self.node(tree.expr), grouping, without)

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
