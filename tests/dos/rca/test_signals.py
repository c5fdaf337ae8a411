from __future__ import annotations

from collections.abc import Sequence

import pytest

from dos.errors import QueryError
from dos.promql import Engine
from dos.rca import InstantSample, ServiceSignals, selector
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore


def write(store: SeriesStore, name: str, labels: dict[str, str], values: Sequence[float]) -> None:
    for i, value in enumerate(values):
        store.append_sample(labels_of(name, labels), 15.0 * i, value)


def pod_labels(pod: str, namespace: str = "shop") -> dict[str, str]:
    return {"namespace": namespace, "service": "cart", "pod": pod, "container": "cart"}


@pytest.fixture
def store() -> SeriesStore:
    store = SeriesStore()
    for pod, per_scrape in (("cart-1", 1.5), ("cart-2", 7.5)):  # 0.1 and 0.5 cores
        labels = pod_labels(pod)
        write(
            store, "container_cpu_usage_seconds_total", labels, [per_scrape * i for i in range(9)]
        )
        write(
            store, "kube_pod_container_resource_limits", {**labels, "resource": "cpu"}, [0.5] * 9
        )
        write(store, "container_memory_working_set_bytes", labels, [1e8] * 9)
        app = {"namespace": "shop", "service": "cart", "pod": pod}
        write(store, "http_requests_total", {**app, "code": "200"}, [135.0 * i for i in range(9)])
        write(store, "http_requests_total", {**app, "code": "503"}, [15.0 * i for i in range(9)])
        for le, share in (("0.1", 0.5), ("0.5", 1.0), ("+Inf", 1.0)):
            buckets = [150.0 * share * i for i in range(9)]
            write(store, "http_request_duration_seconds_bucket", {**app, "le": le}, buckets)
        write(store, "up", {"job": "cart", "instance": f"{pod}:80"}, [1.0] * 9)
    deployment = {"namespace": "shop", "deployment": "cart"}
    write(store, "kube_deployment_spec_replicas", deployment, [2.0] * 9)
    write(store, "kube_deployment_status_replicas_available", deployment, [1.0] * 9)
    write(store, "container_cpu_usage_seconds_total", pod_labels("cart-9", "other"), [0.0] * 9)
    return store


def test_selector_quotes_and_escapes_values() -> None:
    assert selector("up", job='a"b') == 'up{job="a\\"b"}'
    assert selector("up") == "up{}"


def test_cpu_is_a_percentage_of_each_pods_limit(store: SeriesStore) -> None:
    signals = ServiceSignals(Engine(store), "shop", 60.0)
    cpu = signals.cpu_percent("cart", 120.0)
    assert cpu == pytest.approx({"cart-1": 20.0, "cart-2": 100.0})
    assert signals.memory("cart", 120.0) == {"cart-1": 1e8, "cart-2": 1e8}
    assert signals.with_namespace("other").cpu_percent("cart", 120.0) == {}


def test_traffic_counts_5xx_codes_as_errors(store: SeriesStore) -> None:
    traffic = ServiceSignals(Engine(store), "shop", 60.0).traffic(120.0)
    assert traffic["cart"].total == pytest.approx(20.0)
    assert traffic["cart"].error_ratio == pytest.approx(0.1)


def test_p99_latency_comes_from_the_histogram(store: SeriesStore) -> None:
    p99 = ServiceSignals(Engine(store), "shop", 60.0).latency_p99(120.0)
    assert p99["cart"] == pytest.approx(0.1 + 0.4 * (0.99 - 0.5) / 0.5)


def test_health_signals_read_up_and_replicas(store: SeriesStore) -> None:
    signals = ServiceSignals(Engine(store), "shop", 60.0)
    assert signals.up("cart", 120.0) == {"cart-1:80": 1.0, "cart-2:80": 1.0}
    assert signals.replicas("cart", 120.0) == (2.0, 1.0)
    assert signals.replicas("ad", 120.0) == (None, None)


class Refusing:
    def instant(self, expr: str, t: float) -> Sequence[InstantSample]:
        raise QueryError(expr, "unsupported function")


def test_a_query_the_engine_refuses_counts_as_no_data() -> None:
    signals = ServiceSignals(Refusing(), "shop", 60.0)
    assert signals.cpu_percent("cart", 0.0) == {}
    assert signals.replicas("cart", 0.0) == (None, None)
