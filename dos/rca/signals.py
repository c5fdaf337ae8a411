"""The per-service signals RCA and verification read, as PromQL queries on the store.

Everything goes through one narrow :class:`Querier` (``instant(expr, t)``), so the same
code reads DOS's own series store or a real Prometheus server. The queries are simple
(selectors, ``rate``, ``sum by``, ``histogram_quantile``) and ratios are taken here, so
no vector matching is needed from the engine. A query the engine cannot answer counts as
no data: DOS reasons with what it has.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from dos.durations import format_duration
from dos.errors import QueryError

__all__ = ["InstantSample", "Querier", "ServiceSignals", "Traffic", "selector"]

logger = logging.getLogger(__name__)


class InstantSample(Protocol):
    """One element of an instant vector."""

    @property
    def labels(self) -> Mapping[str, str]:
        """The sample's labels."""
        ...

    @property
    def value(self) -> float:
        """The sample's value."""
        ...


class Querier(Protocol):
    """Anything that evaluates PromQL at an instant (DOS's engine, a Prometheus server)."""

    def instant(self, expr: str, t: float) -> Sequence[InstantSample]:
        """Return the instant vector ``expr`` yields at time ``t``."""
        ...


def selector(metric: str, **labels: str) -> str:
    """Write a PromQL selector with equality matchers, escaping the values.

    >>> selector("up", job="cart", instance="cart-0")
    'up{job="cart",instance="cart-0"}'
    """
    escaped = (v.replace("\\", "\\\\").replace('"', '\\"') for v in labels.values())
    matchers = ",".join(f'{k}="{v}"' for k, v in zip(labels, escaped, strict=True))
    return f"{metric}{{{matchers}}}"


@dataclass(frozen=True, slots=True)
class Traffic:
    """A service's request rate and the part of it answered with a 5xx code (per second)."""

    total: float
    errors: float

    @property
    def error_ratio(self) -> float:
        """Errors over all requests, 0 without traffic."""
        return self.errors / self.total if self.total > 0 else 0.0


class ServiceSignals:
    """Read the signals of the services in ``namespace`` through ``querier``.

    ``data_start`` is the time of the first sample DOS holds (the caller moves it when
    data arrives); baselines never reach before it, since ``rate`` over a window only
    partly filled with samples would underestimate the rate.
    """

    def __init__(
        self,
        querier: Querier,
        namespace: str,
        rate_window: float,
        *,
        data_start: float = -math.inf,
    ) -> None:
        self.querier = querier
        self.namespace = namespace
        self.rate_window = rate_window
        self.data_start = data_start

    def with_namespace(self, namespace: str) -> ServiceSignals:
        """Return signals reading ``namespace`` through the same querier."""
        if namespace == self.namespace:
            return self
        return ServiceSignals(
            self.querier, namespace, self.rate_window, data_start=self.data_start
        )

    def window_before(self, end: float, wanted: float) -> float | None:
        """Return the longest window, up to ``wanted``, ending at ``end`` that holds data.

        ``None`` when less than one rate window of data precedes ``end``.
        """
        span = min(wanted, end - self.data_start)
        return span if span >= self.rate_window else None

    def query(self, expr: str, t: float) -> Sequence[InstantSample]:
        """Evaluate ``expr`` at ``t``; an expression the engine rejects yields no samples."""
        try:
            return self.querier.instant(expr, t)
        except QueryError as error:
            logger.debug("query failed, treated as no data: %s", error)
            return []

    def cpu_percent(self, service: str, t: float, window: float | None = None) -> dict[str, float]:
        """Return each pod's CPU use as a percentage of its CPU limit."""
        span = format_duration(window or self.rate_window)
        usage = selector("container_cpu_usage_seconds_total", **self._of(service))
        limits = selector(
            "kube_pod_container_resource_limits", resource="cpu", **self._of(service)
        )
        used = self._by("pod", f"sum by (pod) (rate({usage}[{span}]))", t)
        limit = self._by("pod", f"sum by (pod) ({limits})", t)
        return {pod: 100.0 * used[pod] / limit[pod] for pod in used if limit.get(pod, 0) > 0}

    def memory(self, service: str, t: float) -> dict[str, float]:
        """Return each pod's working-set memory in bytes."""
        expr = selector("container_memory_working_set_bytes", **self._of(service))
        return self._by("pod", f"sum by (pod) ({expr})", t)

    def memory_limits(self, service: str, t: float) -> dict[str, float]:
        """Return each pod's memory limit in bytes."""
        expr = selector(
            "kube_pod_container_resource_limits", resource="memory", **self._of(service)
        )
        return self._by("pod", f"sum by (pod) ({expr})", t)

    def traffic(self, t: float, window: float | None = None) -> dict[str, Traffic]:
        """Return every service's request and 5xx rates over ``window`` ending at ``t``."""
        span = format_duration(window or self.rate_window)
        requests = selector("http_requests_total", namespace=self.namespace)
        totals: dict[str, float] = {}
        errors: dict[str, float] = {}
        for sample in self.query(f"sum by (service, code) (rate({requests}[{span}]))", t):
            service = sample.labels.get("service", "")
            totals[service] = totals.get(service, 0.0) + sample.value
            if sample.labels.get("code", "").startswith("5"):
                errors[service] = errors.get(service, 0.0) + sample.value
        return {s: Traffic(total, errors.get(s, 0.0)) for s, total in totals.items()}

    def latency_p99(self, t: float, window: float | None = None) -> dict[str, float]:
        """Return every service's p99 request latency in seconds."""
        span = format_duration(window or self.rate_window)
        buckets = selector("http_request_duration_seconds_bucket", namespace=self.namespace)
        expr = f"histogram_quantile(0.99, sum by (service, le) (rate({buckets}[{span}])))"
        return {s: v for s, v in self._by("service", expr, t).items() if not math.isnan(v)}

    def replicas(self, service: str, t: float) -> tuple[float | None, float | None]:
        """Return the deployment's desired and available replica counts, ``None`` if unknown."""
        labels = {"namespace": self.namespace, "deployment": service}
        spec = self.query(selector("kube_deployment_spec_replicas", **labels), t)
        ready = self.query(selector("kube_deployment_status_replicas_available", **labels), t)
        return (spec[0].value if spec else None, ready[0].value if ready else None)

    def up(self, service: str, t: float) -> dict[str, float]:
        """Return ``up`` per instance of the service's scrape job (job named after the service)."""
        return self._by("instance", selector("up", job=service), t)

    def _of(self, service: str) -> dict[str, str]:
        return {"namespace": self.namespace, "service": service}

    def _by(self, label: str, expr: str, t: float) -> dict[str, float]:
        """Evaluate ``expr`` and key its samples by ``label``."""
        return {s.labels.get(label, ""): s.value for s in self.query(expr, t)}
