from __future__ import annotations

from dos.rca import CallGraph
from dos.telemetry import Span


def span(span_id: str, parent: str | None, service: str) -> Span:
    return Span("trace", span_id, parent, service, "op", 0.0, 0.01, "OK")


def test_edges_link_services_through_parent_spans() -> None:
    graph = CallGraph()
    assert graph.empty
    graph.observe(
        [
            span("1", None, "frontend"),
            span("2", "1", "frontend"),  # an internal span: no edge
            span("3", "2", "checkout"),
            span("4", "3", "payment"),
        ]
    )
    assert graph.edges() == {("frontend", "checkout"), ("checkout", "payment")}
    assert graph.entry_services() == {"frontend"}
    assert graph.callers("payment") == {"checkout", "frontend"}
    assert graph.callees("frontend") == {"checkout", "payment"}
    assert graph.callers("frontend") == set()


def test_a_child_seen_before_its_parent_waits_for_it() -> None:
    graph = CallGraph()
    graph.observe([span("c", "p", "cart")])
    assert graph.edges() == set()
    graph.observe([span("p", None, "frontend")])
    assert graph.edges() == {("frontend", "cart")}


def test_orphans_waiting_for_a_parent_are_bounded() -> None:
    graph = CallGraph(max_waiting=3)
    graph.observe([span(f"c{i}", f"missing{i}", "cart") for i in range(10)])
    graph.observe([span("missing9", None, "frontend"), span("missing0", None, "ad")])
    assert graph.edges() == {("frontend", "cart")}


def test_old_span_ids_are_forgotten_past_the_limit() -> None:
    graph = CallGraph(max_spans=2)
    graph.observe([span("1", None, "frontend"), span("2", None, "ad"), span("3", None, "cart")])
    graph.observe([span("5", "3", "redis")])
    graph.observe([span("4", "1", "checkout")])
    assert graph.edges() == {("cart", "redis")}
