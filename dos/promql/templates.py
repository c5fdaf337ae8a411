"""Prometheus' alert templates: the subset of Go's text/template that rule labels and
annotations use.

Supported: text with ``{{ ... }}`` actions (``{{-``/``-}}`` trim whitespace, ``{{/* */}}``
comments); operands ``$labels``, ``$labels.name``, ``$value``, ``$externalLabels.name``,
``$externalURL`` (and ``.Labels.name``, ``.Value``, ...), string and number literals and
parenthesised pipelines; pipelines ``a | f b``; the functions ``humanize``,
``humanize1024``, ``humanizeDuration``, ``humanizePercentage``, ``printf``, ``toUpper``,
``toLower`` and ``title``. Anything else (``if``, ``range``, variables, other functions)
is refused when the template is compiled, so a rule never expands differently from
Prometheus without saying so. A missing label expands to the empty string, as it does in
Prometheus; an error while expanding yields ``<error expanding template: ...>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dos.errors import DOSError
from dos.promql import humanize as h
from dos.promql.gomath import format_float

__all__ = ["Template", "TemplateData", "TemplateError", "compile_template"]

Scalar = str | float | Mapping[str, str]


class TemplateError(DOSError, ValueError):
    """A label or annotation template uses syntax this engine does not support."""

    def __init__(self, template: str, reason: str) -> None:
        super().__init__(f"template {template!r}: {reason}")
        self.template = template
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TemplateData:
    """What a template can see: the alert's labels and value, and the external labels."""

    labels: Mapping[str, str]
    value: float
    external_labels: Mapping[str, str]
    external_url: str = ""


@dataclass(frozen=True, slots=True)
class _Field:
    root: str  # Labels, Value, ExternalLabels, ExternalURL or "" for the data itself
    key: str | None


@dataclass(frozen=True, slots=True)
class _Command:
    function: str | None
    args: tuple[_Operand, ...]


@dataclass(frozen=True, slots=True)
class _Pipeline:
    commands: tuple[_Command, ...]


_Operand = _Field | str | float | _Pipeline

_FUNCTIONS: Mapping[str, Callable[..., str]] = {
    "humanize": h.humanize,
    "humanize1024": h.humanize1024,
    "humanizeDuration": h.humanize_duration,
    "humanizePercentage": h.humanize_percentage,
    "printf": h.printf,
    "title": h.title,
    "toLower": h.to_lower,
    "toUpper": h.to_upper,
}
_VARIABLES = {
    "$": "",
    "$labels": "Labels",
    "$value": "Value",
    "$externalLabels": "ExternalLabels",
    "$externalURL": "ExternalURL",
}
_ROOTS = {"Labels", "Value", "ExternalLabels", "ExternalURL"}
_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<raw>`[^`]*`)
      | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
      | (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[|()]|:=|=)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break"}


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled template; :meth:`expand` renders it for one alert."""

    source: str
    parts: tuple[str | _Pipeline, ...]

    def expand(self, data: TemplateData) -> str:
        """Render the template; an evaluation error renders as Prometheus renders it."""
        try:
            return "".join(
                part if isinstance(part, str) else _print(_run(part, data)) for part in self.parts
            )
        except h.ExpansionError as exc:
            return f"<error expanding template: {exc}>"


def compile_template(text: str) -> Template:
    """Compile ``text``, refusing any construct outside the supported subset."""
    parts: list[str | _Pipeline] = []
    position = 0
    trim_next = False
    for match in _ACTION.finditer(text):
        literal = text[position : match.start()]
        if trim_next:
            literal = literal.lstrip()
        if match.group(1):
            literal = literal.rstrip()
        parts.append(literal)
        body = match.group(2).strip()
        if not (body.startswith("/*") and body.endswith("*/")):
            parts.append(_Parser(text, body).pipeline_to_end())
        trim_next = bool(match.group(3))
        position = match.end()
    tail = text[position:]
    if "{{" in tail:
        raise TemplateError(text, "unclosed action")
    parts.append(tail.lstrip() if trim_next else tail)
    return Template(text, tuple(p for p in parts if p != ""))


class _Parser:
    def __init__(self, template: str, body: str) -> None:
        self.template = template
        self.tokens = self._tokenize(body)
        self.position = 0

    def _tokenize(self, body: str) -> list[tuple[str, str]]:
        tokens = []
        position = 0
        while position < len(body.rstrip()):
            match = _TOKEN.match(body, position)
            if match is None or match.end() == position:
                raise TemplateError(self.template, f"cannot read {body[position:]!r}")
            kind = match.lastgroup
            assert kind is not None
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def fail(self, reason: str) -> TemplateError:
        """Return the error to raise, naming the template."""
        return TemplateError(self.template, reason)

    def peek(self) -> tuple[str, str] | None:
        """Return the next token without consuming it."""
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def pipeline_to_end(self) -> _Pipeline:
        """Parse the whole action as one pipeline."""
        pipeline = self.pipeline()
        extra = self.peek()
        if extra is not None:
            raise self.fail(f"unexpected {extra[1]!r}")
        return pipeline

    def pipeline(self) -> _Pipeline:
        """Parse commands joined by ``|``."""
        commands = [self.command()]
        while self.peek() == ("punct", "|"):
            self.position += 1
            commands.append(self.command())
        return _Pipeline(tuple(commands))

    def command(self) -> _Command:
        """Parse a function call or a single operand."""
        token = self.peek()
        if token is None:
            raise self.fail("empty command")
        kind, text = token
        if kind == "name":
            if text in _KEYWORDS:
                raise self.fail(f"'{text}' actions are not supported")
            if text not in _FUNCTIONS:
                raise self.fail(f"function {text!r} is not supported")
            self.position += 1
            return _Command(text, tuple(self.operands()))
        operands = self.operands()
        if len(operands) != 1:
            raise self.fail("only a function can take arguments")
        return _Command(None, tuple(operands))

    def operands(self) -> list[_Operand]:
        """Parse operands up to the end of the command."""
        out: list[_Operand] = []
        while (token := self.peek()) is not None and token not in (("punct", "|"), ("punct", ")")):
            out.append(self.operand(*token))
        return out

    def operand(self, kind: str, text: str) -> _Operand:
        """Parse one operand (the token is already peeked)."""
        self.position += 1
        if kind == "string":
            return _unquote(text)
        if kind == "raw":
            return text[1:-1]
        if kind == "number":
            return float(text)
        if kind == "variable":
            return self.variable(text)
        if kind == "field":
            return self.field(text.split(".")[1:] if text != "." else [])
        if (kind, text) == ("punct", "("):
            inner = self.pipeline()
            if self.peek() != ("punct", ")"):
                raise self.fail("unclosed '('")
            self.position += 1
            return inner
        raise self.fail(f"{text!r} is not supported here")

    def variable(self, text: str) -> _Field:
        """Resolve ``$labels.x`` and friends to a field of the data."""
        name, *path = text.split(".")
        if name not in _VARIABLES:
            raise self.fail(f"variable {name} is not defined")
        root = _VARIABLES[name]
        return self.field([root, *path] if root else path)

    def field(self, path: list[str]) -> _Field:
        """Check a field path (``.Labels.x``) against the data the template sees."""
        if not path:
            raise self.fail("the whole template data cannot be printed")
        root, *rest = path
        if root not in _ROOTS:
            raise self.fail(f"field {root!r} does not exist")
        keyed = root in ("Labels", "ExternalLabels")
        if len(rest) > (1 if keyed else 0):
            raise self.fail(f"field path .{'.'.join(path)} is too deep")
        return _Field(root, rest[0] if rest else None)


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text[1:-1])


def _run(pipeline: _Pipeline, data: TemplateData) -> Scalar:
    result: Scalar | None = None
    for command in pipeline.commands:
        args = [_operand(a, data) for a in command.args]
        if result is not None:
            args.append(result)
        if command.function is None:
            result = args[0] if len(args) == 1 else _too_many(args)
        else:
            result = _FUNCTIONS[command.function](*args)
    assert result is not None
    return result


def _too_many(args: list[Scalar]) -> Scalar:
    raise h.ExpansionError(f"can't give argument to non-function {_print(args[0])}")


def _operand(operand: _Operand, data: TemplateData) -> Scalar:
    if isinstance(operand, _Field):
        return _field(operand, data)
    if isinstance(operand, _Pipeline):
        return _run(operand, data)
    return operand


def _field(field: _Field, data: TemplateData) -> Scalar:
    if field.root == "Value":
        return data.value
    if field.root == "ExternalURL":
        return data.external_url
    mapping = data.labels if field.root == "Labels" else data.external_labels
    if field.key is None:
        return mapping
    return mapping.get(field.key, "")


def _print(value: Scalar) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return format_float(value)
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(value.items())) + "]"
