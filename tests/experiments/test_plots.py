"""The timeline figure and the CPU percentage it plots, from hand-built tables."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dos.detect.alert import AlertState, AlertTransition
from dos.telemetry import STALE_NAN, Labels, MetricScrape, labels_of
from experiments import plots, tables

ORIGIN = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
STEP = 15.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Fault:
    id: str
    kind: str
    service: str
    pod: str | None
    params: dict[str, float]
    start: float
    end: float | None
    ended_by: str | None


@dataclass
class Audit:
    action_id: str
    incident_id: str
    kind: str
    service: str
    pod: str | None
    replicas: int | None
    reason: str
    submitted_at: float
    actor: str
    status: str
    message: str


def series(pod: str, service: str = "cart") -> list[Labels]:
    base = {"namespace": "boutique", "service": service, "pod": pod, "container": service}
    return [
        labels_of("container_cpu_usage_seconds_total", base),
        labels_of("kube_pod_container_resource_limits", base, resource="cpu", unit="core"),
        labels_of("kube_pod_container_resource_limits", base, resource="memory", unit="byte"),
    ]


def pod_level(pod: str, container: str) -> Labels:
    """cAdvisor's usage of a whole pod (no container label) or of its pause container."""
    base = {"namespace": "boutique", "service": "cart", "pod": pod, "container": container}
    return labels_of("container_cpu_usage_seconds_total", base)


def cpu_samples(t: float) -> list[float]:
    """Samples of every series at ``t``; see the test below for what each pod does."""
    a_stale = t >= 300.0
    b_counter = 0.45 * t if t <= 150.0 else 0.45 * (t - 150.0)  # restarted at 150 s
    b_limit = 0.5 if t < 210.0 else 1.0  # resized at 210 s
    return [
        *([STALE_NAN, STALE_NAN, STALE_NAN] if a_stale else [0.25 * t, 0.5, 2.0e8]),
        # cart-a's pod-level sum and pause container: counting either would inflate it.
        STALE_NAN if a_stale else 0.26 * t,
        STALE_NAN if a_stale else 0.01 * t,
        b_counter,
        b_limit,
        2.0e8,
        0.9 * t,  # another service at 180 %: never in cart's figure
        0.5,
        2.0e8,
    ]


def metrics_frame() -> pd.DataFrame:
    labels = [
        *series("cart-a"),
        pod_level("cart-a", ""),
        pod_level("cart-a", "POD"),
        *series("cart-b"),
        *series("ad-a", service="ad"),
    ]
    scrapes = [
        MetricScrape(t, labels, np.array(cpu_samples(t)))
        for t in np.arange(0.0, 300.0 + STEP, STEP)
    ]
    return tables.metrics_table(scrapes, ORIGIN)


def test_cpu_percent_is_the_counter_rate_over_the_limit_per_pod() -> None:
    cpu = plots.cpu_percent(metrics_frame(), "cart")

    a = cpu[cpu["pod"] == "cart-a"]
    b = cpu[cpu["pod"] == "cart-b"]
    assert set(cpu["pod"]) == {"cart-a", "cart-b"}
    assert list(a["t"]) == list(np.arange(15.0, 300.0, STEP))
    assert list(a["cpu_percent"]) == pytest.approx([50.0] * 19)
    assert list(b["t"]) == list(np.arange(15.0, 300.0 + STEP, STEP))
    before, after = b[b["t"] < 210.0], b[b["t"] >= 210.0]
    assert list(before["cpu_percent"]) == pytest.approx([90.0] * 13)
    assert list(after["cpu_percent"]) == pytest.approx([45.0] * 7)


def test_cpu_percent_of_a_service_without_samples_is_empty() -> None:
    cpu = plots.cpu_percent(metrics_frame(), "payment")

    assert cpu.empty
    assert list(cpu.columns) == ["t", "pod", "cpu_percent"]


@pytest.mark.parametrize("origin", [ORIGIN, None], ids=["wall-clock", "minutes"])
def test_timeline_is_written_as_a_png_of_the_figure_size(
    tmp_path: Path, origin: datetime | None
) -> None:
    labels = {"alertname": "CPUHigh", "service": "cart", "severity": "warning"}
    changes = [
        AlertTransition(60.0, labels, AlertState.INACTIVE, AlertState.PENDING, 90.0),
        AlertTransition(120.0, labels, AlertState.PENDING, AlertState.FIRING, 90.0),
        AlertTransition(200.0, labels, AlertState.FIRING, AlertState.INACTIVE, 40.0),
        AlertTransition(250.0, labels, AlertState.PENDING, AlertState.FIRING, 91.0),
    ]
    fault = Fault("f1", "cpu_stress", "cart", "cart-b", {"workers": 4.0}, 30.0, 240.0, "timeout")
    scale = Audit("a1", "INC-1", "scale", "cart", None, 3, "cpu", 150.0, "dos", "accepted", "")

    path = plots.plot_timeline(
        tmp_path / "timeline.png",
        metrics=metrics_frame(),
        service="cart",
        ground_truth=tables.ground_truth_table([fault], ORIGIN),
        alerts=tables.alerts_table(changes, ORIGIN),
        actions=tables.actions_table([scale], ORIGIN),
        time_origin=origin,
    )

    data = path.read_bytes()
    assert path == tmp_path / "timeline.png"
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 700)
    assert 20_000 < len(data) < 1_000_000
