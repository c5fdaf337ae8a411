"""Traces: sampled requests following the call graph, with errors where calls failed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dos.telemetry import Span
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]


def traces(spans: list[Span]) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for span in spans:
        out.setdefault(span.trace_id, []).append(span)
    return out


def test_traces_follow_the_call_graph_and_nest_in_time(
    boutique: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(boutique, no_fault, duration=300.0, trace_rate=0.5)
    twin.run(300.0)
    spans = twin.poll(300.0).spans
    grouped = traces(spans)
    assert 100 < len(grouped) < 200
    operations = {j.operation for j in boutique.journeys}
    for trace in grouped.values():
        root, *children = trace
        assert root.parent_id is None
        assert root.service == "frontend"
        assert root.operation in operations
        by_id = {s.span_id: s for s in trace}
        for child in children:
            parent = by_id[child.parent_id or ""]
            assert (parent.service, child.service) in boutique.edges
            assert parent.start <= child.start
            assert child.start + child.duration <= parent.start + parent.duration + 1e-9
    assert all(s.status == "OK" for s in spans)
    assert {s.service for s in spans} == set(boutique.names)


def test_a_saturated_dependency_leaves_error_spans_up_to_the_root(
    small: Topology, make_twin: MakeTwin
) -> None:
    scenario = {
        "name": "db",
        "faults": [{"kind": "cpu_stress", "target": "db", "pod": 0, "at": "1m", "params": {}}],
    }
    twin = make_twin(small, scenario, duration=240.0, trace_rate=1.0)
    twin.run(240.0)
    spans = twin.poll(240.0).spans
    before = [s for s in spans if s.start < 60.0]
    during = [s for s in spans if s.start >= 75.0]
    assert all(s.status == "OK" for s in before)
    failed_roots = [s for s in during if s.parent_id is None and s.status == "ERROR"]
    roots = [s for s in during if s.parent_id is None]
    assert len(failed_roots) > 0.8 * len(roots)
    assert any(s.service == "db" and s.status == "ERROR" for s in during)
