"""Per-service signals for detectors: one feature vector per service and evaluation.

The rules read the store with PromQL; the detectors read it through the same queries,
by way of :class:`dos.rca.signals.ServiceSignals` (rates from counters with resets,
p99 from the latency histogram, error ratios with 0/0 as 0), so rules, RCA and detectors
see one definition of each signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dos.rca.signals import ServiceSignals

__all__ = ["FEATURES", "ServiceFeatures", "read_features"]

FEATURES = ("cpu", "memory", "error_ratio", "latency_p99", "request_rate")
"""The feature names, in vector order."""


@dataclass(frozen=True, slots=True)
class ServiceFeatures:
    """One service's signals at one instant; NaN where there is no data.

    ``cpu`` and ``memory`` are the hottest pod's use in % of its limit (``hottest_pod``
    names it), ``latency_p99`` is in seconds and ``request_rate`` in requests per second.
    """

    service: str
    cpu: float
    memory: float
    error_ratio: float
    latency_p99: float
    request_rate: float
    hottest_pod: str = ""

    def vector(self) -> tuple[float, ...]:
        """Return the features in :data:`FEATURES` order."""
        return tuple(getattr(self, name) for name in FEATURES)


def read_features(signals: ServiceSignals, services: list[str], t: float) -> list[ServiceFeatures]:
    """Read every service's features at ``t`` (services without any data are left out)."""
    traffic = signals.traffic(t)
    p99 = signals.latency_p99(t)
    out = []
    for service in services:
        cpu = signals.cpu_percent(service, t)
        used = signals.memory(service, t)
        limits = signals.memory_limits(service, t)
        memory = {p: 100.0 * used[p] / limits[p] for p in used if limits.get(p, 0) > 0}
        flow = traffic.get(service)
        if not cpu and not memory and flow is None:
            continue
        hottest = max(cpu, key=lambda pod: cpu[pod]) if cpu else ""
        out.append(
            ServiceFeatures(
                service,
                cpu=max(cpu.values()) if cpu else math.nan,
                memory=max(memory.values()) if memory else math.nan,
                error_ratio=flow.error_ratio if flow is not None else math.nan,
                latency_p99=p99.get(service, math.nan),
                request_rate=flow.total if flow is not None else math.nan,
                hottest_pod=hottest,
            )
        )
    return out
