"""Who calls whom: the part of the call graph scoring needs to attribute harm to faults."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["transitive_callers"]


def transitive_callers(edges: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Map each callee to every service that calls it, directly or through others.

    >>> sorted(transitive_callers([("a", "b"), ("b", "c")])["c"])
    ['a', 'b']
    """
    direct: dict[str, set[str]] = {}
    for caller, callee in edges:
        direct.setdefault(callee, set()).add(caller)
    closed: dict[str, frozenset[str]] = {}
    for service in direct:
        seen: set[str] = set()
        todo = list(direct[service])
        while todo:
            caller = todo.pop()
            if caller not in seen:
                seen.add(caller)
                todo.extend(direct.get(caller, ()))
        closed[service] = frozenset(seen)
    return closed
