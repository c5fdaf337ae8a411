"""Strict reading of YAML node trees, with the line of every mistake.

Prometheus reads rule and test files with ``yaml.UnmarshalStrict``: unknown and repeated
keys are errors. :class:`NodeReader` gives the same strictness over PyYAML's composed
nodes, which keep their line numbers, and raises an error of the caller's type naming
the file, the place and the line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import yaml

from dos.errors import DOSError

__all__ = ["NodeReader", "compose_file"]

_NULL = "tag:yaml.org,2002:null"

E = TypeVar("E", bound=DOSError)


def compose_file(path: str | Path, error: Callable[[str, str, str], DOSError]) -> yaml.Node | None:
    """Read and compose a YAML file; ``None`` if it is empty."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(name, "file", f"cannot read it: {exc}") from exc
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise error(name, where, f"invalid YAML: {exc}") from exc


class NodeReader(Generic[E]):
    """Read nodes of one file, raising ``error(path, where, reason)`` on a mistake."""

    def __init__(self, path: str, error: Callable[[str, str, str], E]) -> None:
        self.path = path
        self.make_error = error

    def error(self, where: str, node: yaml.Node, reason: str) -> E:
        """Return the error for ``node``, naming the file, the place and the line."""
        return self.make_error(self.path, f"{where} (line {node.start_mark.line + 1})", reason)

    def mapping(self, node: yaml.Node, where: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]:
        """Return a mapping node as a dict, refusing unknown (if ``keys``) and repeated keys."""
        if self.is_null(node):
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise self.error(where, node, "expected a mapping")
        out: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = self.scalar(key_node, where)
            if keys and key not in keys:
                raise self.error(
                    where, key_node, f"unknown key {key!r}; allowed: {', '.join(keys)}"
                )
            if key in out:
                raise self.error(where, key_node, f"key {key!r} is repeated")
            out[key] = value
        return out

    def strings(self, node: yaml.Node, where: str) -> dict[str, str]:
        """Return a mapping of names to single values."""
        return {
            k: self.scalar(v, f"{where}.{k}") for k, v in self.mapping(node, where, ()).items()
        }

    def scalar(self, node: yaml.Node, where: str) -> str:
        """Return a scalar node's text (empty for null)."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(where, node, "expected a single value")
        return "" if node.tag == _NULL else str(node.value)

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        """Return a list node's items (none for null)."""
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(where, node, "expected a list")
        return list(node.value)

    def is_null(self, node: yaml.Node) -> bool:
        """Tell whether a node is YAML null."""
        return isinstance(node, yaml.ScalarNode) and node.tag == _NULL
