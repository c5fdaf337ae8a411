"""Binary operators: arithmetic, comparisons and set operators, with vector matching.

Vector matching lives in one place, :meth:`BinaryNode._plan`: it pairs the elements of the
two sides by their match signature (``on``/``ignoring``), applies ``group_left``/
``group_right`` and computes each result's labels. The plan depends on labels only, so it
is reused for as long as both sides keep the same series.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dos.errors import QueryError
from dos.promql.gomath import go_pow
from dos.promql.nodes import EvalContext, Kind, Node, expect_vector
from dos.promql.values import Value, Vector
from dos.telemetry import Labels

__all__ = ["ARITHMETIC", "COMPARISONS", "SET_OPERATORS", "BinaryNode", "Card", "Matching"]

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]


def _pow(a: Array | float, b: Array | float) -> Array:
    pairs = np.broadcast(a, b)
    return np.fromiter((go_pow(x, y) for x, y in pairs), dtype=np.float64, count=pairs.size)


ARITHMETIC: Mapping[str, Callable[[Array | float, Array | float], Array]] = MappingProxyType(
    {
        "+": np.add,
        "-": np.subtract,
        "*": np.multiply,
        "/": np.divide,
        "%": np.fmod,  # the sign of the dividend, as Go's math.Mod
        "^": _pow,
    }
)
COMPARISONS: Mapping[str, Callable[[Array | float, Array | float], NDArray[np.bool_]]] = (
    MappingProxyType(
        {
            "==": np.equal,
            "!=": np.not_equal,
            ">": np.greater,
            "<": np.less,
            ">=": np.greater_equal,
            "<=": np.less_equal,
        }
    )
)
SET_OPERATORS = frozenset({"and", "or", "unless"})


class Card(StrEnum):
    """How elements of the two sides may pair up."""

    ONE_TO_ONE = "one-to-one"
    MANY_TO_ONE = "many-to-one"
    ONE_TO_MANY = "one-to-many"
    MANY_TO_MANY = "many-to-many"


@dataclass(frozen=True, slots=True)
class Matching:
    """A vector matching: ``on(labels)`` (``on=True``) or ``ignoring(labels)``."""

    card: Card = Card.ONE_TO_ONE
    on: bool = False
    labels: tuple[str, ...] = ()
    include: tuple[str, ...] = ()


@dataclass(slots=True)
class _Plan:
    """Which elements pair up: indices into the many and one sides, and the results."""

    many: NDArray[np.intp]
    one: NDArray[np.intp]
    group: NDArray[np.intp]
    result: NDArray[np.intp]
    labels: list[Labels]
    unique_groups: bool
    unique_results: bool


class BinaryNode(Node):
    """``lhs op rhs`` with an optional ``bool`` and vector matching."""

    def __init__(
        self, op: str, lhs: Node, rhs: Node, matching: Matching, return_bool: bool
    ) -> None:
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.matching = matching
        self.return_bool = return_bool
        self.drops_name = op in ARITHMETIC or return_bool
        self._arithmetic = ARITHMETIC.get(op)
        self._comparison = COMPARISONS.get(op)
        both_scalar = lhs.kind is Kind.SCALAR and rhs.kind is Kind.SCALAR
        self.kind = Kind.SCALAR if both_scalar else Kind.VECTOR
        self._signatures: dict[Labels, Labels] = {}
        self._memo: tuple[list[Labels], list[Labels], _Plan] | None = None

    def evaluate(self, ctx: EvalContext) -> Value:
        """Evaluate both sides, then the operator."""
        left = self.lhs.evaluate(ctx)
        right = self.rhs.evaluate(ctx)
        if isinstance(left, float) and isinstance(right, float):
            return float(self._values(np.float64(left), np.float64(right))[0].reshape(-1)[0])
        if self.op in SET_OPERATORS:
            return self._set(ctx, expect_vector(ctx, left), expect_vector(ctx, right))
        if isinstance(right, float):
            return self._with_scalar(ctx, expect_vector(ctx, left), right, swap=False)
        if isinstance(left, float):
            return self._with_scalar(ctx, expect_vector(ctx, right), left, swap=True)
        return self._vectors(ctx, expect_vector(ctx, left), expect_vector(ctx, right))

    def _values(self, left: Array | float, right: Array | float) -> tuple[Array, Mask | None]:
        """Return the operator's values and which elements survive (None: all of them)."""
        if self._arithmetic is not None:
            return np.asarray(self._arithmetic(left, right), dtype=np.float64), None
        assert self._comparison is not None  # set operators never get here
        keep = np.asarray(self._comparison(left, right))
        if self.return_bool:
            return keep.astype(np.float64), None
        # A comparison keeps the left operand's value (the vector's, if the scalar is left).
        kept = left if isinstance(left, np.ndarray) else right
        return np.asarray(kept, dtype=np.float64), keep

    def _with_scalar(self, ctx: EvalContext, vector: Vector, scalar: float, swap: bool) -> Vector:
        left, right = (scalar, vector.values) if swap else (vector.values, scalar)
        values, keep = self._values(left, right)
        labels = vector.labels
        if self.drops_name:
            labels = ctx.labels.drop_names(labels)
            # Checked before filtering: dropping a name may make two elements alike.
            ctx.labels.check_unique(ctx.expr, labels)
        out = Vector(labels, values)
        return out if keep is None else out.take(keep)

    def _vectors(self, ctx: EvalContext, left: Vector, right: Vector) -> Vector:
        plan = self._plan(ctx, left.labels, right.labels)
        if self.matching.card is Card.ONE_TO_MANY:
            lv, rv = left.values[plan.one], right.values[plan.many]
        else:
            lv, rv = left.values[plan.many], right.values[plan.one]
        values, keep = self._values(lv, rv)
        self._check_matches(ctx, plan, keep)
        out = Vector(plan.labels, values)
        return out if keep is None else out.take(keep)

    def _check_matches(self, ctx: EvalContext, plan: _Plan, keep: Mask | None) -> None:
        """Fail as Prometheus does when two surviving elements claim one match."""
        one_to_one = self.matching.card is Card.ONE_TO_ONE
        if (plan.unique_groups if one_to_one else plan.unique_results) or (
            keep is not None and not np.count_nonzero(keep)
        ):
            return
        claimed = plan.group if one_to_one else plan.result
        if keep is not None:
            claimed = claimed[keep]
        if len(np.unique(claimed)) == len(claimed):
            return
        if one_to_one:
            raise QueryError(
                ctx.expr,
                "multiple matches for labels: many-to-one matching must be explicit "
                "(group_left/group_right)",
            )
        raise QueryError(
            ctx.expr, "multiple matches for labels: grouping labels must ensure unique matches"
        )

    def _plan(self, ctx: EvalContext, left: list[Labels], right: list[Labels]) -> _Plan:
        memo = self._memo
        if (
            memo is not None
            and (memo[0] is left or memo[0] == left)
            and (memo[1] is right or memo[1] == right)
        ):
            return memo[2]
        swapped = self.matching.card is Card.ONE_TO_MANY
        many, one = (right, left) if swapped else (left, right)
        one_by_signature: dict[Labels, int] = {}
        for j, labels in enumerate(one):
            signature = self._signature(labels)
            if signature in one_by_signature:
                raise _duplicate_error(
                    ctx,
                    self.matching,
                    signature,
                    one[one_by_signature[signature]],
                    labels,
                    swapped,
                )
            one_by_signature[signature] = j
        plan = self._pair(many, one, one_by_signature)
        self._memo = (left, right, plan)
        return plan

    def _pair(
        self, many: list[Labels], one: list[Labels], one_by_signature: dict[Labels, int]
    ) -> _Plan:
        pairs: list[tuple[int, int, int, int]] = []
        groups: dict[Labels, int] = {}
        results: dict[Labels, int] = {}
        for i, labels in enumerate(many):
            signature = self._signature(labels)
            j = one_by_signature.get(signature)
            if j is None:
                continue
            group = groups.setdefault(signature, len(groups))
            result = results.setdefault(self._result_labels(labels, one[j]), len(results))
            pairs.append((i, j, group, result))
        table = np.array(pairs, dtype=np.intp).reshape(-1, 4)
        ordered = list(results)
        return _Plan(
            table[:, 0],
            table[:, 1],
            table[:, 2],
            table[:, 3],
            [ordered[r] for r in table[:, 3]],
            unique_groups=len(groups) == len(pairs),
            unique_results=len(results) == len(pairs),
        )

    def _signature(self, labels: Labels) -> Labels:
        """Return the labels two elements must share to match."""
        signature = self._signatures.get(labels)
        if signature is None:
            names = self.matching.labels
            if self.matching.on:
                signature = tuple(p for p in labels if p[0] in names)
            else:
                signature = tuple(p for p in labels if p[0] not in names and p[0] != "__name__")
            if len(self._signatures) > 100_000:
                self._signatures.clear()
            self._signatures[labels] = signature
        return signature

    def _result_labels(self, many: Labels, one: Labels) -> Labels:
        """Return a result's labels: the many side's, with ``group_x`` labels from the one side.

        A one-to-one match keeps only the ``on`` labels, or drops the ``ignoring`` ones.
        """
        out = dict(many)
        if self.drops_name:
            out.pop("__name__", None)
        names = self.matching.labels
        if self.matching.card is Card.ONE_TO_ONE:
            if self.matching.on:
                out = {k: v for k, v in out.items() if k in names}
            else:
                for name in names:
                    out.pop(name, None)
        one_map = dict(one)
        for name in self.matching.include:
            if one_map.get(name):
                out[name] = one_map[name]
            else:
                out.pop(name, None)
        return tuple(sorted(out.items()))

    def _set(self, ctx: EvalContext, left: Vector, right: Vector) -> Vector:
        """``and``, ``or``, ``unless``: keep elements by whether their signature matches."""
        if self.op == "or":
            if not len(left) or not len(right):
                return left if len(right) == 0 else right
            seen = {self._signature(lbl) for lbl in left.labels}
            extra = np.array([self._signature(lbl) not in seen for lbl in right.labels])
            added = right.take(extra)
            return Vector(left.labels + added.labels, np.concatenate([left.values, added.values]))
        present = {self._signature(lbl) for lbl in right.labels}
        matched = np.array([self._signature(lbl) in present for lbl in left.labels], dtype=bool)
        return left.take(matched if self.op == "and" else ~matched)


def _duplicate_error(
    ctx: EvalContext,
    matching: Matching,
    signature: Labels,
    first: Labels,
    second: Labels,
    swapped: bool,
) -> QueryError:
    side = "left" if swapped else "right"
    return QueryError(
        ctx.expr,
        f"found duplicate series for the match group {_text(signature)} on the {side} "
        f"hand-side of the operation: [{_text(second)}, {_text(first)}];many-to-many "
        "matching not allowed: matching labels must be unique on one side",
    )


def _text(labels: Labels) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}"
