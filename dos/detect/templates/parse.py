"""Go's text/template syntax, as far as alert templates use it, parsed into a tree.

Supported: text and ``{{ ... }}`` actions with ``{{-``/``-}}`` trimming and ``{{/* */}}``
comments; ``if``/``else if``/``else``, ``range`` (with ``$i, $x :=``) and ``with``, each
with ``else`` and ``end``; variables (``$x := ...``, ``$x = ...``) in the scope Go gives
them; pipelines ``a | f b``; operands ``.``, ``.Field.key``, ``$var.key``, string, raw
string, character, number, ``true``/``false``/``nil`` literals, niladic functions and
``( pipeline )`` with an optional field chain. ``define``, ``template``, ``block``,
``break`` and ``continue`` are refused, as is a function not in the table.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from dos.errors import DOSError

__all__ = [
    "Action",
    "Branch",
    "Chain",
    "Command",
    "Field",
    "FunctionRef",
    "Literal",
    "Node",
    "Operand",
    "Pipeline",
    "TemplateError",
    "Variable",
    "parse",
]

PREDEFINED = ("$", "$labels", "$externalLabels", "$externalURL", "$value")


class TemplateError(DOSError, ValueError):
    """A label or annotation template is malformed, or uses what this engine lacks."""

    def __init__(self, template: str, reason: str, field: str = "") -> None:
        where = f"{field}: " if field else ""
        super().__init__(f"{where}template {template!r}: {reason}")
        self.template = template
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class Field:
    """``.A.b``: a path from dot (empty for dot itself)."""

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Variable:
    """``$x.a``: a variable and a path from it."""

    name: str
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: string, int, float, bool or nil."""

    value: object


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function's name: called with the arguments that follow it, or none."""

    name: str


@dataclass(frozen=True, slots=True)
class Chain:
    """``( pipeline ).a.b``."""

    pipeline: Pipeline
    path: tuple[str, ...]


Operand = Field | Variable | Literal | FunctionRef | Chain


@dataclass(frozen=True, slots=True)
class Command:
    """One stage of a pipeline: a function and its arguments, or a single operand."""

    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Commands joined by ``|``, optionally declaring or assigning variables."""

    commands: tuple[Command, ...]
    variables: tuple[str, ...] = ()
    assign: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """``{{ pipeline }}``: prints the value unless the pipeline declares a variable."""

    pipeline: Pipeline


@dataclass(frozen=True, slots=True)
class Branch:
    """``if``, ``range`` or ``with``: a body, and what runs otherwise."""

    keyword: str
    pipeline: Pipeline
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]


Node = str | Action | Branch

_TOKEN = re.compile(
    r"""(?:
        (?P<string>"(?:[^"\\\n]|\\.)*")
      | (?P<raw>`[^`]*`)
      | (?P<char>'(?:[^'\\\n]|\\.)+')
      | (?P<number>[+-]?(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
      | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
      | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>:=|[|(),=])
    )""",
    re.VERBOSE,
)
_REFUSED = ("define", "template", "block", "break", "continue")
_CONTROL = ("if", "range", "with", "else", "end")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def parse(
    text: str, functions: Collection[str], unsupported: Collection[str] = ()
) -> tuple[Node, ...]:
    """Parse ``text`` into nodes; a function must be in ``functions``.

    A name in ``unsupported`` (a Go built-in this engine lacks) is refused as such.
    """
    items = _Lexer(text).items()
    parser = _Parser(text, items, functions, unsupported)
    nodes, stop = parser.nodes()
    if stop is not None:
        raise TemplateError(text, f"unexpected {{{{{stop}}}}}")
    return nodes


class _Lexer:
    """Split a template into literal text and the token lists of its actions."""

    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, reason: str) -> TemplateError:
        """Return the error to raise, naming the template."""
        return TemplateError(self.text, reason)

    def items(self) -> list[str | list[_Token]]:
        """Return text and actions in order, with trimming applied to the text."""
        text = self.text
        items: list[str | list[_Token]] = []
        position = 0
        trim_next = False
        while (start := text.find("{{", position)) >= 0:
            literal = text[position:start]
            inner = start + 2
            if text.startswith("-", inner) and text[inner + 1 : inner + 2] in (
                " ",
                "\t",
                "\n",
                "\r",
            ):
                literal = literal.rstrip(" \t\r\n")
                inner += 1
            if trim_next:
                literal = literal.lstrip(" \t\r\n")
            items.append(literal)
            tokens, position, trim_next = self.action(inner)
            if tokens:
                items.append(tokens)
        tail = text[position:]
        items.append(tail.lstrip(" \t\r\n") if trim_next else tail)
        return [item for item in items if item != ""]

    def action(self, position: int) -> tuple[list[_Token], int, bool]:
        """Read one action from ``position``; return its tokens, its end and right-trimming."""
        text = self.text
        comment = re.compile(r"\s*/\*.*?\*/", re.DOTALL).match(text, position)
        if comment is not None:
            position = comment.end()
        tokens: list[_Token] = []
        while True:
            while position < len(text) and text[position] in " \t\r\n":
                position += 1
            closing = 2 if text.startswith("}}", position) else 0
            if text.startswith("-}}", position) and text[position - 1] in " \t\r\n":
                closing = 3
            if closing and not tokens and comment is None:
                raise self.fail("missing value for command")
            if closing:
                return tokens, position + closing, closing == 3
            if position >= len(text):
                raise self.fail("unclosed action")
            if comment is not None:
                raise self.fail("comment ends before closing delimiter")
            match = _TOKEN.match(text, position)
            if match is None:
                raise self.fail(f"unexpected {text[position]!r} in action")
            kind = match.lastgroup
            assert kind is not None
            tokens.append(_Token(kind, match.group(kind), match.start(), match.end()))
            position = match.end()


class _Parser:
    """Build the node tree from the lexer's items, checking scopes and functions."""

    def __init__(
        self,
        text: str,
        items: list[str | list[_Token]],
        functions: Collection[str],
        unsupported: Collection[str],
    ) -> None:
        self.text = text
        self.items = items
        self.position = 0
        self.functions = functions
        self.unsupported = unsupported
        self.scopes: list[list[str]] = [list(PREDEFINED)]

    def fail(self, reason: str) -> TemplateError:
        """Return the error to raise, naming the template."""
        return TemplateError(self.text, reason)

    def nodes(self) -> tuple[tuple[Node, ...], str | None]:
        """Parse items up to an ``else`` or ``end`` (returned) or the end of the template."""
        nodes: list[Node] = []
        while self.position < len(self.items):
            item = self.items[self.position]
            self.position += 1
            if isinstance(item, str):
                nodes.append(item)
                continue
            head = item[0]
            if head.kind == "name" and head.text in _REFUSED:
                raise self.fail(f"'{head.text}' actions are not supported")
            if head.kind == "name" and head.text in ("else", "end"):
                self.position -= 1
                return tuple(nodes), head.text
            if head.kind == "name" and head.text in ("if", "range", "with"):
                nodes.append(self.branch(head.text, item[1:]))
            else:
                nodes.append(Action(_Pipe(self, item).pipeline(declare=True)))
        return tuple(nodes), None

    def branch(self, keyword: str, tokens: list[_Token]) -> Branch:
        """Parse ``if``/``range``/``with`` up to its matching ``end``."""
        # A variable lives until the "end" of the structure it is declared in.
        self.scopes.append([])
        try:
            return self.structure(keyword, tokens)
        finally:
            self.scopes.pop()

    def structure(self, keyword: str, tokens: list[_Token]) -> Branch:
        """Parse the pipeline, body and else branch of a control structure."""
        pipeline = _Pipe(self, tokens).pipeline(declare=True, pair=keyword == "range")
        body, stop = self.nodes()
        if stop is None:
            raise self.fail(f"unexpected EOF: {{{{{keyword}}}}} has no {{{{end}}}}")
        closing = self.items[self.position]
        assert not isinstance(closing, str)
        self.position += 1
        otherwise: tuple[Node, ...] = ()
        if stop == "else":
            rest = closing[1:]
            if rest and rest[0].kind == "name" and rest[0].text in ("if", "with"):
                # "else if" is an "if" nested in the else branch, sharing the single end.
                return Branch(keyword, pipeline, body, (self.branch(rest[0].text, rest[1:]),))
            if rest:
                raise self.fail(f"unexpected {rest[0].text!r} after else")
            otherwise, stop = self.nodes()
            if stop != "end":
                raise self.fail(f"expected {{{{end}}}} to close {{{{{keyword}}}}}")
            closing = self.items[self.position]
            assert not isinstance(closing, str)
            self.position += 1
        if len(closing) > 1:
            raise self.fail(f"unexpected {closing[1].text!r} in end")
        return Branch(keyword, pipeline, body, otherwise)

    def declare(self, name: str) -> None:
        """Put a variable in the innermost scope."""
        self.scopes[-1].append(name)

    def is_defined(self, name: str) -> bool:
        """Tell whether a variable is in scope."""
        return any(name in scope for scope in self.scopes)


class _Pipe:
    """Parse the tokens of one action (or of a parenthesised pipeline)."""

    def __init__(self, parser: _Parser, tokens: list[_Token]) -> None:
        self.parser = parser
        self.tokens = tokens
        self.position = 0

    def peek(self) -> _Token | None:
        """Return the next token without consuming it."""
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        """Consume and return the next token."""
        token = self.tokens[self.position]
        self.position += 1
        return token

    def pipeline(self, *, declare: bool = False, pair: bool = False) -> Pipeline:
        """Parse a whole action: optional declaration, then commands to the end."""
        variables, assign = self.declaration(pair) if declare else ((), False)
        pipeline = self.commands(variables, assign)
        extra = self.peek()
        if extra is not None:
            raise self.parser.fail(f"unexpected {extra.text!r} in operand")
        if not assign:
            for name in variables:
                self.parser.declare(name)
        return pipeline

    def declaration(self, pair: bool) -> tuple[tuple[str, ...], bool]:
        """Read ``$x :=``, ``$x =`` or (in ``range``) ``$i, $x :=``."""
        kinds = [(t.kind, t.text) for t in self.tokens[:4]]
        names: list[str] = []
        if (
            len(kinds) >= 2
            and kinds[0][0] == "variable"
            and kinds[1]
            in (
                ("punct", ":="),
                ("punct", "="),
            )
        ):
            names, assign = [kinds[0][1]], kinds[1][1] == "="
            self.position = 2
        elif pair and len(kinds) >= 4 and kinds[1] == ("punct", ",") and kinds[3][1] == ":=":
            names, assign = [kinds[0][1], kinds[2][1]], False
            self.position = 4
        else:
            return (), False
        for name in names:
            if "." in name:
                raise self.parser.fail(f"cannot declare {name}")
            if assign and not self.parser.is_defined(name):
                raise self.parser.fail(f"undefined variable {name}")
        return tuple(names), assign

    def commands(self, variables: tuple[str, ...] = (), assign: bool = False) -> Pipeline:
        """Parse commands joined by ``|`` up to a ``)`` or the end."""
        commands = [self.command()]
        while (token := self.peek()) is not None and token.text == "|":
            self.take()
            commands.append(self.command())
        return Pipeline(tuple(commands), variables, assign)

    def command(self) -> Command:
        """Parse operands up to ``|``, ``)`` or the end."""
        args: list[Operand] = []
        while (token := self.peek()) is not None and token.text not in ("|", ")"):
            args.append(self.operand())
        if not args:
            raise self.parser.fail("missing value for command")
        return Command(tuple(args))

    def operand(self) -> Operand:
        """Parse one operand."""
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "string":
            return Literal(_unquote(text[1:-1]))
        if kind == "raw":
            return Literal(text[1:-1])
        if kind == "char":
            return Literal(ord(_unquote(text[1:-1])))
        if kind == "number":
            return Literal(_number(text))
        if kind == "variable":
            name, *path = text.split(".")
            if not self.parser.is_defined(name):
                raise self.parser.fail(f"undefined variable {name!r}")
            return Variable(name, tuple(path))
        if kind == "field":
            return Field(tuple(text.split(".")[1:]) if text != "." else ())
        if kind == "name":
            return self.name(text)
        if text == "(":
            return self.group(token)
        raise self.parser.fail(f"unexpected {text!r} in operand")

    def name(self, text: str) -> Operand:
        """Parse an identifier: a literal keyword or a function."""
        literals: dict[str, object] = {"true": True, "false": False, "nil": None}
        if text in literals:
            return Literal(literals[text])
        if text in _CONTROL or text in _REFUSED:
            raise self.parser.fail(f"unexpected keyword {text!r} in operand")
        if text in self.parser.unsupported:
            raise self.parser.fail(f"function {text!r} is not supported by this engine")
        if text not in self.parser.functions:
            raise self.parser.fail(f'function "{text}" not defined')
        return FunctionRef(text)

    def group(self, opening: _Token) -> Chain:
        """Parse ``( pipeline )`` and a field chain written right after it."""
        inner = self.commands()
        closing = self.peek()
        if closing is None or closing.text != ")":
            raise self.parser.fail("unclosed left paren")
        self.take()
        path: tuple[str, ...] = ()
        follow = self.peek()
        if follow is not None and follow.kind == "field" and follow.start == closing.end:
            self.take()
            path = tuple(follow.text.split(".")[1:])
        return Chain(inner, path)


def _unquote(body: str) -> str:
    def escape(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "xuU":
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", escape, body)


def _number(text: str) -> int | float:
    """Type a number literal as Go does for an ``interface{}`` argument."""
    if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", text):
        return int(text, 16)
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)
