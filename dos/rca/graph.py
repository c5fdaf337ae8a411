"""The service call graph, learnt from trace spans as they arrive.

RCA uses it to find who calls a faulty service (whose users feel the fault) and which
services are entry points (their callers are users). A span names its service and its
parent span; an edge is recorded when the parent belongs to another service. Parents
and children may arrive in different batches, so children wait (boundedly) for their
parent.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable

from dos.telemetry import Span

__all__ = ["CallGraph"]


class CallGraph:
    """Caller -> callee edges and entry services seen in spans.

    Memory and time stay bounded: only the last ``max_spans`` span ids are remembered for
    parent look-ups, and at most ``max_waiting`` children wait for a parent not seen yet
    (a parent that was never sampled would otherwise keep them waiting for ever).
    """

    def __init__(self, max_spans: int = 50_000, max_waiting: int = 1_000) -> None:
        self.max_spans = max_spans
        self._edges: set[tuple[str, str]] = set()
        self._entries: set[str] = set()
        self._service_of: OrderedDict[str, str] = OrderedDict()
        self._waiting: deque[tuple[str, str]] = deque(maxlen=max_waiting)

    @property
    def empty(self) -> bool:
        """Tell whether no span has been seen yet."""
        return not self._service_of

    def observe(self, spans: Iterable[Span]) -> None:
        """Learn edges and entry services from ``spans``."""
        batch = list(spans)
        for span in batch:
            self._remember(span.span_id, span.service)
            if span.parent_id is None:
                self._entries.add(span.service)
        waiting = list(self._waiting)
        self._waiting.clear()
        children = waiting + [(s.parent_id, s.service) for s in batch if s.parent_id is not None]
        for parent_id, service in children:
            caller = self._service_of.get(parent_id)
            if caller is None:
                self._waiting.append((parent_id, service))
            elif caller != service:
                self._edges.add((caller, service))

    def edges(self) -> set[tuple[str, str]]:
        """Return the (caller, callee) pairs seen."""
        return set(self._edges)

    def entry_services(self) -> set[str]:
        """Return the services that received root spans: the ones users call."""
        return set(self._entries)

    def callers(self, service: str) -> set[str]:
        """Return every service that calls ``service``, directly or through others."""
        return self._reach(service, upstream=True)

    def callees(self, service: str) -> set[str]:
        """Return every service ``service`` calls, directly or through others."""
        return self._reach(service, upstream=False)

    def _reach(self, start: str, *, upstream: bool) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            here = todo.pop()
            for caller, callee in self._edges:
                near, far = (callee, caller) if upstream else (caller, callee)
                if near == here and far not in seen and far != start:
                    seen.add(far)
                    todo.append(far)
        return seen

    def _remember(self, span_id: str, service: str) -> None:
        self._service_of[span_id] = service
        if len(self._service_of) > self.max_spans:
            self._service_of.popitem(last=False)
