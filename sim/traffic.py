"""How arrivals at the entry become requests at every service, journey by journey.

One journey (say ``browseProduct``) sends ``K[j, s]`` requests to service ``s``; of each
request ``s`` serves in that journey, ``fanout[j, s, c]`` calls go on to callee ``c``. The
model uses these matrices three ways: per-service request counts from the journey counts
of a tick (``counts @ K``); error propagation, journey by journey, since a request fails
when a call it depends on fails; and the mean fan-out that adds a callee's latency to its
callers'; and ``caller_share[s, c]``, the part of ``s``'s requests that come from ``c``, which
thins a callee's traffic when a caller drops requests before making its calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.topology import Topology

__all__ = ["SpanCall", "Traffic"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SpanCall:
    """A call a service's request makes in a journey: ``per_request`` times on average."""

    callee: int
    operation: str
    per_request: float


@dataclass(frozen=True)
class Traffic:
    """The journey mix of a topology as matrices over (journey, service, callee)."""

    journeys: tuple[str, ...]
    weights: FloatArray
    requests: FloatArray
    fanout: FloatArray
    share: FloatArray
    mean_fanout: FloatArray
    caller_share: FloatArray
    critical: NDArray[np.bool_]
    span_calls: tuple[tuple[tuple[SpanCall, ...], ...], ...]
    entry_operations: tuple[str, ...]

    @classmethod
    def of(cls, topology: Topology) -> Traffic:
        """Derive the matrices from ``topology``'s journeys and its load mix."""
        names = topology.names
        n_services = len(names)
        journeys = tuple(j.name for j in topology.journeys)
        weights = topology.load.journey_weights(list(journeys))
        requests = np.zeros((len(journeys), n_services))
        edge_calls = np.zeros((len(journeys), n_services, n_services))
        requests[:, topology.index(topology.entry)] = 1.0
        for j, journey in enumerate(topology.journeys):
            for call in journey.calls:
                caller, callee = topology.index(call.caller), topology.index(call.callee)
                requests[j, callee] += call.times
                edge_calls[j, caller, callee] += call.times
        served = np.where(requests > 0, requests, 1.0)
        fanout = edge_calls / served[:, :, None]
        volume = weights[:, None] * requests
        totals = volume.sum(axis=0)
        share = (volume / np.where(totals > 0, totals, 1.0)).T
        calls = np.einsum("j,jcs->sc", weights, edge_calls)
        critical = np.zeros((n_services, n_services), dtype=bool)
        for edge in topology.edges:
            if edge not in topology.soft_edges:
                critical[topology.index(edge[0]), topology.index(edge[1])] = True
        return cls(
            journeys=journeys,
            weights=weights,
            requests=requests,
            fanout=fanout,
            share=share,
            mean_fanout=np.einsum("sj,jsc->sc", share, fanout),
            caller_share=calls / np.maximum(calls.sum(axis=1, keepdims=True), 1e-12),
            critical=critical,
            span_calls=_span_calls(topology, requests),
            entry_operations=tuple(j.operation for j in topology.journeys),
        )

    def per_entry_request(self) -> FloatArray:
        """Return the mean number of requests each service gets per entry arrival."""
        result: FloatArray = self.weights @ self.requests
        return result


def _span_calls(
    topology: Topology, requests: FloatArray
) -> tuple[tuple[tuple[SpanCall, ...], ...], ...]:
    """List, per journey and service, the calls one of its requests makes (for traces)."""
    out = []
    for j, journey in enumerate(topology.journeys):
        per_service: list[list[SpanCall]] = [[] for _ in topology.names]
        for call in journey.calls:
            caller, callee = topology.index(call.caller), topology.index(call.callee)
            rpc = topology.services[callee].rpc
            operation = f"{rpc}/{call.method}" if rpc else call.method
            per_service[caller].append(
                SpanCall(callee, operation, call.times / requests[j, caller])
            )
        out.append(tuple(tuple(calls) for calls in per_service))
    return tuple(out)
