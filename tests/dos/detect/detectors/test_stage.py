"""The detector stage in the closed loop: alerts with the rules' labels, on the real twin."""

from __future__ import annotations

import numpy as np
import pytest

from dos.detect.alert import AlertState, AlertTransition
from dos.detect.detectors import DetectorAlertConfig, DetectorStageConfig
from dos.detect.detectors.stage import DetectorStage
from dos.errors import ConfigError
from dos.promql import Engine
from dos.rca.signals import ServiceSignals
from dos.telemetry import MetricScrape, labels_of
from dos.tsdb import SeriesStore
from experiments.compose import load_config
from sim.twin import Twin


def run_twin(overrides: list[str]) -> tuple[list[AlertTransition], Twin]:
    """Run the twin, feeding its telemetry to a detector stage every 15 s."""
    config = load_config([*overrides, "tracking=none"])
    twin = Twin(config.topology, config.scenario, seed=config.seed, duration=config.duration)
    store = SeriesStore()
    signals = ServiceSignals(Engine(store), config.topology.namespace, 60.0)
    stage = DetectorStage(DetectorStageConfig(namespace=config.topology.namespace), signals)
    changes: list[AlertTransition] = []

    def evaluate():  # type: ignore[no-untyped-def]
        while twin.env.now + 15 <= config.duration:
            yield twin.env.timeout(15)
            batch = twin.poll(twin.env.now)
            for scrape in batch.metrics:
                store.append(scrape)
            stage.observe(batch)
            changes.extend(stage.evaluate(twin.env.now))

    twin.env.process(evaluate())
    twin.run(until=config.duration)
    return changes, twin


@pytest.mark.slow
def test_a_quiet_run_raises_no_detector_alert() -> None:
    changes, _ = run_twin(["scenario=none", "duration=6h"])
    assert [c for c in changes if c.current is AlertState.FIRING] == []


@pytest.mark.slow
def test_cpu_stress_fires_a_metric_anomaly_on_the_stressed_pod() -> None:
    changes, twin = run_twin(["scenario=cpu_stress", "duration=1h"])
    (fault,) = twin.ground_truth()
    firing = [c for c in changes if c.current is AlertState.FIRING]
    cpu = [c for c in firing if c.labels.get("feature") == "cpu"]
    assert cpu, f"no CPU anomaly fired; fired: {[dict(c.labels) for c in firing]}"
    first = cpu[0]
    assert first.labels["service"] == fault.service
    assert first.labels["pod"] == fault.pod
    assert first.labels["rule"] == "ewma"
    assert first.labels["alertname"] == "MetricAnomaly"
    assert fault.start < first.timestamp < fault.start + 300


def counters(store: SeriesStore, t: float, total: float, errors: float) -> None:
    ok = labels_of(
        "http_requests_total", namespace="shop", service="cart", pod="cart-0", code="200"
    )
    bad = labels_of(
        "http_requests_total", namespace="shop", service="cart", pod="cart-0", code="503"
    )
    store.append(MetricScrape(t, [ok, bad], np.array([total - errors, errors])))


def test_slo_burn_alert_carries_the_rules_labels_and_fires_without_for() -> None:
    store = SeriesStore()
    signals = ServiceSignals(Engine(store), "shop", 60.0)
    only_slo = {"slo": DetectorAlertConfig(score=0.5, for_="0s", severity="critical")}
    stage = DetectorStage(DetectorStageConfig(namespace="shop", detectors=only_slo), signals)
    total = errors = 0.0
    fired: list[AlertTransition] = []
    for k in range(1, 200):
        total += 150.0
        errors += 0.0 if k < 100 else 15.0  # 10 % errors: a 100x burn of a 99.9 % objective
        counters(store, 15.0 * k, total, errors)
        fired += [c for c in stage.evaluate(15.0 * k) if c.current is AlertState.FIRING]
    assert fired, "the burn never fired"
    labels = dict(fired[0].labels)
    assert labels == {
        "alertname": "SLOBurnRate",
        "namespace": "shop",
        "service": "cart",
        "severity": "critical",
        "rule": "slo",
    }
    assert 15.0 * 100 <= fired[0].timestamp <= 15.0 * 110


def test_an_unknown_detector_in_the_stage_config_is_refused() -> None:
    config = DetectorStageConfig(detectors={"magic": DetectorAlertConfig()})
    with pytest.raises(ConfigError, match=r"dos\.detectors\.detectors\.magic"):
        config.validate()
