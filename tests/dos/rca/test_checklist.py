from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dos.config import DOSConfig
from dos.promql import Engine
from dos.rca import (
    CallGraph,
    Cause,
    ChecklistAnalyzer,
    Impact,
    RCARequest,
    RCAResult,
    ServiceSignals,
)
from dos.telemetry import EventKind, Span, TimelineEvent, labels_of
from dos.tsdb import SeriesStore

NS = "shop"
MIB = 1024.0 * 1024.0
END = 1200.0  # analysis time; the anomaly starts at 870 and its alert goes pending at 900
CALM = 0.35


def steady(value: float) -> Callable[[float], float]:
    return lambda t: value


def step_up(before: float, after: float, at: float = 870.0) -> Callable[[float], float]:
    return lambda t: before if t < at else after


class Shop:
    """Synthetic series for a few services, scraped every 15 s from 0 to END."""

    def __init__(self) -> None:
        self.store = SeriesStore()
        self.graph = CallGraph()

    def write(
        self,
        name: str,
        labels: dict[str, str],
        fn: Callable[[float], float],
        *,
        counter: bool = False,
    ) -> None:
        series = labels_of(name, labels)
        total = 0.0
        for t in np.arange(0.0, END + 1.0, 15.0):
            self.store.append_sample(series, float(t), total if counter else fn(float(t)))
            total += fn(float(t)) * 15.0

    def pod(
        self,
        service: str,
        pod: str,
        cpu: Callable[[float], float] | None = None,
        rps: Callable[[float], float] | None = None,
        errors: Callable[[float], float] | None = None,
        memory: Callable[[float], float] | None = None,
    ) -> None:
        cpu = cpu or steady(CALM)
        rps = rps or steady(10.0)
        errors = errors or steady(0.0)
        memory = memory or steady(200 * MIB)
        labels = {"namespace": NS, "service": service, "pod": pod, "container": service}
        self.write(
            "container_cpu_usage_seconds_total", labels, lambda t: 0.5 * cpu(t), counter=True
        )
        self.write(
            "kube_pod_container_resource_limits", {**labels, "resource": "cpu"}, steady(0.5)
        )
        self.write(
            "kube_pod_container_resource_limits",
            {**labels, "resource": "memory"},
            steady(512 * MIB),
        )
        self.write("container_memory_working_set_bytes", labels, memory)
        app = {"namespace": NS, "service": service, "pod": pod}
        self.write(
            "http_requests_total",
            {**app, "code": "200"},
            lambda t: rps(t) * (1 - errors(t)),
            counter=True,
        )
        self.write(
            "http_requests_total",
            {**app, "code": "500"},
            lambda t: rps(t) * errors(t),
            counter=True,
        )

    def calls(self, caller: str, callee: str) -> None:
        self.graph.observe(
            [
                Span("t1", f"{caller}-root", None, caller, "GET /", 0.0, 0.1, "OK"),
                Span("t1", f"{callee}-child", f"{caller}-root", callee, "rpc", 0.0, 0.05, "OK"),
            ]
        )

    def analyze(
        self,
        service: str = "frontend",
        events: tuple[TimelineEvent, ...] = (),
        rules: tuple[str, ...] = ("cpu_high",),
    ) -> RCAResult:
        signals = ServiceSignals(Engine(self.store), NS, 60.0, data_start=0.0)
        analyzer = ChecklistAnalyzer.from_config(DOSConfig(namespace=NS), signals, self.graph)
        names = tuple(_NAMES[rule] for rule in rules)
        request = RCARequest(NS, service, 900.0, names, rules, (), events)
        return analyzer.analyze(request, END)


_NAMES = {
    "cpu_high": "CPUHigh",
    "memory_high": "MemoryHigh",
    "error_rate_high": "ErrorRateHigh",
}


def change(kind: EventKind, service: str, t: float, **attributes: str) -> TimelineEvent:
    return TimelineEvent(t, kind, NS, service, None, str(kind), f"{kind} v2", attributes)


@pytest.fixture
def saturated_shop() -> Shop:
    shop = Shop()
    shop.pod("frontend", "frontend-1")
    shop.pod("frontend", "frontend-2", cpu=step_up(0.35, 1.0))
    shop.pod("frontend", "frontend-3")
    shop.pod("cart", "cart-1")
    shop.calls("frontend", "cart")
    return shop


def test_one_pegged_pod_with_no_change_and_no_spike_is_cpu_saturation(
    saturated_shop: Shop,
) -> None:
    events = (
        change(EventKind.DEPLOYMENT, "frontend", -1000.0),  # before the 30 m window
        change(EventKind.CONFIG_CHANGE, "cart", 1000.0),  # another service
        change(EventKind.ROLLBACK, "frontend", 1100.0, action_id="a1"),  # DOS's own action
    )
    result = saturated_shop.analyze(events=events)
    top = result.top
    assert top is not None
    assert (top.service, top.pod, top.cause) == ("frontend", "frontend-2", Cause.CPU_SATURATION)
    assert top.evidence[0] == "CPU saturation, no recent deployment, no traffic spike"
    assert top.evidence[1] == "frontend-2 at 100% of its CPU limit (other pods 35%)"
    assert top.confidence == pytest.approx(0.9)
    assert result.impact.level is Impact.HIGH
    assert result.impact.entry_service


def test_a_recent_deployment_outranks_the_saturation_it_explains(saturated_shop: Shop) -> None:
    result = saturated_shop.analyze(events=(change(EventKind.DEPLOYMENT, "frontend", 800.0),))
    causes = [c.cause for c in result.candidates]
    assert causes == [Cause.BAD_DEPLOY, Cause.CPU_SATURATION]
    assert (
        "deployment of frontend at 800s (1m40s before the first alert)"
        in result.candidates[0].evidence[0]
    )
    assert result.candidates[1].evidence[0] == "CPU saturation, explained by a recent change"


def test_a_traffic_spike_is_named_with_its_ratio() -> None:
    shop = Shop()
    for pod in ("frontend-1", "frontend-2"):
        shop.pod("frontend", pod, cpu=step_up(0.35, 0.95), rps=step_up(10.0, 30.0))
    result = shop.analyze()
    top = result.top
    assert top is not None
    assert top.cause is Cause.TRAFFIC_SPIKE
    assert top.evidence[0].startswith("request rate 3.0x its baseline (60.0/s now, 20.0/s")
    cpu = next(c for c in result.candidates if c.cause is Cause.CPU_SATURATION)
    assert cpu.pod is None  # both pods are hot: none stands out
    assert cpu.confidence < top.confidence


def test_memory_that_only_grows_is_a_leak_of_that_pod() -> None:
    shop = Shop()
    shop.pod("frontend", "frontend-1", memory=lambda t: 100 * MIB + t * 0.25 * MIB)
    shop.pod("frontend", "frontend-2")
    result = shop.analyze(rules=("memory_high",))
    top = result.top
    assert top is not None
    assert (top.cause, top.pod) == (Cause.MEMORY_LEAK, "frontend-1")
    assert top.confidence == pytest.approx(0.9)
    assert "grew steadily from 250 MiB to 400 MiB over 10m (78% of its limit)" in top.evidence[0]


def test_memory_that_drops_back_is_no_leak() -> None:
    shop = Shop()
    shop.pod("frontend", "frontend-1", memory=lambda t: 200 * MIB + (t % 300) * MIB)
    assert [c.cause for c in shop.analyze().candidates] == [Cause.UNKNOWN]


def test_nothing_wrong_gives_an_unknown_cause_with_low_confidence() -> None:
    shop = Shop()
    shop.pod("cart", "cart-1")
    shop.calls("frontend", "cart")
    result = shop.analyze("cart", rules=("memory_high",))
    assert [c.cause for c in result.candidates] == [Cause.UNKNOWN]
    assert result.candidates[0].confidence < 0.2
    assert result.impact.level is Impact.LOW
    assert not result.impact.entry_service


def test_a_saturated_backend_without_user_facing_errors_is_medium_impact() -> None:
    shop = Shop()
    shop.pod("frontend", "frontend-1")
    shop.pod("cart", "cart-1", cpu=step_up(0.3, 0.99))
    shop.pod("cart", "cart-2")
    shop.calls("frontend", "cart")
    result = shop.analyze("cart")
    assert result.impact.level is Impact.MEDIUM
    assert result.impact.affected_services == ("cart",)


def test_errors_reaching_users_make_a_backend_incident_high_impact() -> None:
    shop = Shop()
    shop.pod("frontend", "frontend-1", errors=step_up(0.0, 0.2))
    shop.pod("cart", "cart-1", errors=step_up(0.0, 0.5))
    shop.calls("frontend", "cart")
    result = shop.analyze("cart", rules=("error_rate_high",))
    assert result.impact.level is Impact.HIGH
    assert result.impact.affected_services == ("cart", "frontend")
    assert result.impact.user_facing_error_ratio == pytest.approx(0.2)
    assert [c.cause for c in result.candidates] == [Cause.ERRORS]


def test_errors_downstream_of_the_alerted_service_are_candidates_too() -> None:
    shop = Shop()
    shop.pod("frontend", "frontend-1", errors=step_up(0.0, 0.1))
    shop.pod("cart", "cart-1", errors=step_up(0.0, 0.4))
    shop.calls("frontend", "cart")
    result = shop.analyze("frontend", rules=("error_rate_high",))
    assert [(c.service, c.cause) for c in result.candidates] == [
        ("frontend", Cause.ERRORS),
        ("cart", Cause.ERRORS),
    ]
    assert result.candidates[1].evidence == ("error ratio of cart 40.00% (0.00% before)",)


def test_without_traces_every_service_counts_as_user_facing() -> None:
    shop = Shop()
    shop.pod("cart", "cart-1", cpu=step_up(0.3, 0.99))
    result = shop.analyze("cart")
    assert result.impact.entry_service
    assert result.impact.level is Impact.HIGH
