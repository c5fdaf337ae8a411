"""The metrics scrape: what Prometheus would hold after scraping the cluster once.

Per pod (labels ``namespace``, ``pod``, ``container``, ``service``, as cAdvisor and
kube-state-metrics report them once relabelled):

- ``container_cpu_usage_seconds_total`` (counter), ``container_memory_working_set_bytes``,
  ``kube_pod_container_resource_limits{resource="cpu",unit="core"}`` and
  ``{resource="memory",unit="byte"}``, ``kube_pod_container_status_restarts_total``;
- from the application (labels ``namespace``, ``service``, ``pod``):
  ``http_requests_total{code}`` for codes 200, 500 and 504,
  ``http_request_duration_seconds_bucket{le}`` on Prometheus' default buckets, ``_sum``
  and ``_count``;
- ``up{job=<service>, instance=<pod ip>:<port>}``: 1 once the pod is ready, 0 while it
  starts.

Per deployment (labels ``namespace``, ``deployment``): ``kube_deployment_spec_replicas`` and
``kube_deployment_status_replicas_available``. Counters start at 0 when their pod is
created. When a pod goes, each of its series gets one :data:`dos.telemetry.STALE_NAN`, as
Prometheus writes when a target disappears. Label tuples are built once per pod.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dos.telemetry import STALE_NAN, Labels, MetricScrape, labels_of
from sim.cluster import Cluster, Pod
from sim.latency import BUCKETS
from sim.model import CODES, ServiceModel

__all__ = ["MetricsEmitter"]

FloatArray = NDArray[np.float64]

_LE = (*(f"{bound:g}" for bound in BUCKETS), "+Inf")
_PER_POD = 5 + len(CODES) + len(_LE) + 3
# Working-set noise: a standard deviation of 1 % of the pod's idle working set.
_MEMORY_NOISE = 0.01


class MetricsEmitter:
    """Builds one :class:`dos.telemetry.MetricScrape` per scrape from the model and cluster."""

    def __init__(self, cluster: Cluster, model: ServiceModel, rng: np.random.Generator) -> None:
        self._cluster = cluster
        self._model = model
        self._rng = rng
        specs = model.topology.services
        self._cpu_limit = np.array([s.cpu_limit for s in specs])
        self._memory_limit = np.array([s.memory_limit for s in specs])
        self._memory_base = np.array([s.memory_base for s in specs])
        self._memory_per_request = np.array([s.memory_per_request for s in specs])
        self._pod_series: dict[int, list[Labels]] = {}
        self._deployment_series = [
            labels_of(name, namespace=cluster.namespace, deployment=service)
            for service in model.topology.names
            for name in (
                "kube_deployment_spec_replicas",
                "kube_deployment_status_replicas_available",
            )
        ]
        self._series_key: tuple[tuple[int, ...], tuple[int, ...]] | None = None
        self._series: list[Labels] = []
        self._shown: list[int] = []

    def scrape(self, timestamp: float) -> MetricScrape:
        """Return every series' value now, plus stale markers for pods gone since last time."""
        uids = [int(u) for u in self._model.layout.uids]
        running = set(uids)
        gone = [u for u in self._shown if u not in running]
        values = np.concatenate(
            [
                self._pod_values().ravel(),
                self._deployment_values(),
                np.full(len(gone) * _PER_POD, STALE_NAN),
            ]
        )
        # The same pods give the same list object, which readers can recognise cheaply.
        key = (tuple(uids), tuple(gone))
        if key != self._series_key:
            self._series_key = key
            self._series = [
                *(s for uid in uids for s in self._labels(uid)),
                *self._deployment_series,
                *(s for uid in gone for s in self._labels(uid)),
            ]
        self._shown = uids
        return MetricScrape(timestamp, self._series, values)

    def _pod_values(self) -> FloatArray:
        """Return a (pods x series) matrix of every pod's values, in label order."""
        model, counters = self._model, self._model.counters
        svc = model.layout.services
        values = np.empty((svc.size, _PER_POD))
        values[:, 0] = counters.cpu_seconds
        values[:, 1] = self._cpu_limit[svc]
        values[:, 2] = self._memory_limit[svc]
        noise = self._rng.normal(0.0, _MEMORY_NOISE, svc.size) * self._memory_base[svc]
        memory = self._memory_base[svc] + self._memory_per_request[svc] * counters.inflight
        values[:, 3] = np.maximum(memory + counters.extra_memory + noise, 0.0)
        values[:, 4] = 0.0
        first = 5 + len(CODES)
        values[:, 5:first] = counters.codes
        values[:, first : first + len(_LE)] = np.cumsum(counters.bins, axis=1)
        values[:, -3] = counters.latency_sum
        values[:, -2] = counters.codes.sum(axis=1)
        pods = self._cluster.pods
        values[:, -1] = [pods[int(uid)].ready_at is not None for uid in model.layout.uids]
        return values

    def _deployment_values(self) -> FloatArray:
        """Return spec and available replicas of every deployment, in service order."""
        out = []
        for name, deployment in self._cluster.deployments.items():
            available = sum(p.serving for p in self._cluster.live_pods(name))
            out.extend([deployment.replicas, available])
        return np.array(out, dtype=np.float64)

    def _labels(self, uid: int) -> list[Labels]:
        """Return pod ``uid``'s series labels, built on first use."""
        if uid not in self._pod_series:
            self._pod_series[uid] = _pod_labels(self._cluster, self._cluster.pods[uid])
        return self._pod_series[uid]


def _pod_labels(cluster: Cluster, pod: Pod) -> list[Labels]:
    """Build the label sets of every series of ``pod``, in the order of its values."""
    spec = cluster.deployments[pod.service].spec
    container = {
        "namespace": cluster.namespace,
        "pod": pod.name,
        "container": spec.container,
        "service": pod.service,
    }
    app = {"namespace": cluster.namespace, "service": pod.service, "pod": pod.name}
    limits = "kube_pod_container_resource_limits"
    return [
        labels_of("container_cpu_usage_seconds_total", container),
        labels_of(limits, container, resource="cpu", unit="core"),
        labels_of(limits, container, resource="memory", unit="byte"),
        labels_of("container_memory_working_set_bytes", container),
        labels_of("kube_pod_container_status_restarts_total", container),
        *(labels_of("http_requests_total", app, code=code) for code in CODES),
        *(labels_of("http_request_duration_seconds_bucket", app, le=le) for le in _LE),
        labels_of("http_request_duration_seconds_sum", app),
        labels_of("http_request_duration_seconds_count", app),
        labels_of("up", job=pod.service, instance=f"{pod.ip}:{spec.port}"),
    ]
