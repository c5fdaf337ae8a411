"""Run a parsed template over one alert's data, as Go's text/template executes it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dos.detect.templates.functions import FUNCTIONS
from dos.detect.templates.parse import (
    Action,
    Branch,
    Chain,
    Command,
    Field,
    FunctionRef,
    Literal,
    Node,
    Operand,
    Pipeline,
    Variable,
)
from dos.detect.templates.values import ExpansionError, QuerySample, go_string, go_type, is_true
from dos.errors import DOSError

__all__ = ["Executor", "TemplateData"]

_DATA_TYPE = (
    "struct { Labels map[string]string; ExternalLabels map[string]string; "
    "ExternalURL string; Value interface {} }"
)


@dataclass(frozen=True, slots=True)
class TemplateData:
    """What a template can see: the alert's labels and value, and the external labels.

    ``query`` evaluates PromQL at the alert's evaluation time, for the ``query`` function;
    without it, a template calling ``query`` expands to an error.
    """

    labels: Mapping[str, str]
    value: float
    external_labels: Mapping[str, str]
    external_url: str = ""
    query: Callable[[str], Sequence[QuerySample]] | None = None


class _Missing:
    """No value piped into a command."""


_MISSING = _Missing()


class Executor:
    """Expand nodes over one :class:`TemplateData`; also the functions' context."""

    def __init__(self, data: TemplateData) -> None:
        self.data = data
        self.variables: list[tuple[str, object]] = [
            ("$", data),
            ("$labels", data.labels),
            ("$externalLabels", data.external_labels),
            ("$externalURL", data.external_url),
            ("$value", data.value),
        ]

    @property
    def external_url(self) -> str:
        """The external URL the template sees."""
        return self.data.external_url

    def run_query(self, expr: str) -> list[QuerySample]:
        """Evaluate ``expr`` for the ``query`` function."""
        if self.data.query is None:
            raise ExpansionError("no query engine is available to this template")
        try:
            return list(self.data.query(expr))
        except DOSError as exc:
            raise ExpansionError(str(exc)) from None

    def run(self, nodes: Sequence[Node]) -> str:
        """Return the expansion of ``nodes`` with the data as dot."""
        out: list[str] = []
        self.walk(nodes, self.data, out)
        return "".join(out)

    def walk(self, nodes: Sequence[Node], dot: object, out: list[str]) -> None:
        """Append the expansion of each node to ``out``."""
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, Action):
                value = self.pipeline(node.pipeline, dot)
                if not node.pipeline.variables:
                    out.append(go_string(value))
            else:
                mark = len(self.variables)
                self.branch(node, dot, out)
                del self.variables[mark:]

    def branch(self, node: Branch, dot: object, out: list[str]) -> None:
        """Run an ``if``, ``with`` or ``range``."""
        if node.keyword == "range":
            self.range(node, dot, out)
            return
        value = self.pipeline(node.pipeline, dot)
        if not is_true(value):
            self.walk(node.otherwise, dot, out)
        else:
            self.walk(node.body, value if node.keyword == "with" else dot, out)

    def range(self, node: Branch, dot: object, out: list[str]) -> None:
        """Run the body once per element of a list, or per key of a map in key order."""
        collection = self.pipeline(node.pipeline, dot, bind=False)
        pairs: list[tuple[object, object]]
        if isinstance(collection, list):
            pairs = list(enumerate(collection))
        elif isinstance(collection, Mapping):
            pairs = sorted(collection.items())
        elif collection is None:
            pairs = []
        else:
            raise ExpansionError(f"range can't iterate over {go_string(collection)}")
        if not pairs:
            self.walk(node.otherwise, dot, out)
        names = node.pipeline.variables
        for key, element in pairs:
            mark = len(self.variables)
            bound = (key, element) if len(names) == 2 else (element,)
            self.variables.extend(zip(names, bound, strict=False))
            self.walk(node.body, element, out)
            del self.variables[mark:]

    def pipeline(self, pipeline: Pipeline, dot: object, *, bind: bool = True) -> object:
        """Evaluate a pipeline; declare or assign its variables if ``bind``."""
        value: object = _MISSING
        for command in pipeline.commands:
            value = self.command(command, dot, value)
        if bind:
            for name in pipeline.variables:
                self.bind(name, value, pipeline.assign)
        return value

    def bind(self, name: str, value: object, assign: bool) -> None:
        """Declare a variable, or assign to the innermost one of that name."""
        if assign:
            for i in range(len(self.variables) - 1, -1, -1):
                if self.variables[i][0] == name:
                    self.variables[i] = (name, value)
                    return
        self.variables.append((name, value))

    def command(self, command: Command, dot: object, piped: object) -> object:
        """Evaluate one command, with the previous command's value as its last argument."""
        head, *rest = command.args
        if isinstance(head, FunctionRef):
            return self.call(head.name, rest, dot, piped)
        if rest or piped is not _MISSING:
            raise ExpansionError(f"can't give argument to non-function {_describe(head)}")
        return self.operand(head, dot)

    def call(self, name: str, nodes: Sequence[Operand], dot: object, piped: object) -> object:
        """Call a function on its evaluated arguments."""
        function = FUNCTIONS[name]
        count = len(nodes) + (piped is not _MISSING)
        if name in ("and", "or", "eq", "html", "index", "print", "printf", "urlquery") and (
            count == 0
        ):
            raise ExpansionError(f"wrong number of args for {name}: want at least 1 got 0")
        if function.arity is not None and count != function.arity:
            raise ExpansionError(
                f"wrong number of args for {name}: want {function.arity} got {count}"
            )
        if name in ("and", "or"):
            return self.logic(name, nodes, dot, piped)
        args = [self.operand(node, dot) for node in nodes]
        if piped is not _MISSING:
            args.append(piped)
        try:
            return function.call(self, *args)
        except ExpansionError as exc:
            raise ExpansionError(f"error calling {name}: {exc}") from None

    def logic(self, name: str, nodes: Sequence[Operand], dot: object, piped: object) -> object:
        """Evaluate ``and``/``or`` lazily: the first deciding argument, or the last."""
        value: object = None
        for node in nodes:
            value = self.operand(node, dot)
            if is_true(value) != (name == "and"):
                return value
        return value if piped is _MISSING else piped

    def operand(self, operand: Operand, dot: object) -> object:
        """Evaluate one operand."""
        if isinstance(operand, Literal):
            return operand.value
        if isinstance(operand, Field):
            return self.field(dot, operand.path)
        if isinstance(operand, Variable):
            return self.field(self.lookup(operand.name), operand.path)
        if isinstance(operand, FunctionRef):
            return self.call(operand.name, (), dot, _MISSING)
        assert isinstance(operand, Chain)
        return self.field(self.pipeline(operand.pipeline, dot, bind=False), operand.path)

    def lookup(self, name: str) -> object:
        """Return the innermost variable of that name."""
        for variable, value in reversed(self.variables):
            if variable == name:
                return value
        raise ExpansionError(f"undefined variable: {name}")

    def field(self, value: object, path: Sequence[str]) -> object:
        """Follow ``.a.b`` from ``value``."""
        for name in path:
            value = _field(value, name)
        return value


def _field(value: object, name: str) -> object:
    if isinstance(value, TemplateData):
        fields = {
            "Labels": value.labels,
            "ExternalLabels": value.external_labels,
            "ExternalURL": value.external_url,
            "Value": value.value,
        }
        if name in fields:
            return fields[name]
        raise ExpansionError(f"can't evaluate field {name} in type {_DATA_TYPE}")
    if isinstance(value, Mapping):
        # A missing key of a map of strings is "" (Prometheus sets missingkey=zero).
        if name in value:
            return value[name]
        return "" if all(isinstance(v, str) for v in value.values()) else None
    if isinstance(value, QuerySample) and name in ("Labels", "Value"):
        return value.labels if name == "Labels" else value.value
    if value is None:
        raise ExpansionError(f"nil pointer evaluating interface {{}}.{name}")
    raise ExpansionError(f"can't evaluate field {name} in type {go_type(value)}")


def _describe(operand: Operand) -> str:
    if isinstance(operand, Literal):
        return go_string(operand.value)
    if isinstance(operand, Field):
        return "." + ".".join(operand.path)
    if isinstance(operand, Variable):
        return ".".join((operand.name, *operand.path))
    return "(...)"
