"""The detector stage: detectors raising alerts in the closed loop beside the rules.

At each evaluation the stage reads every service's features through the signal stage
(CPU and memory of the hottest pod, error ratio, p99 latency, request rate), feeds each
(service, feature) to the univariate detectors, each service's vector to the isolation
forest and its error ratio to the SLO burn-rate detector, and judges the logs and spans
observed since the previous evaluation. A detector's finding holds while its score is at
least its configured ``score``; :class:`~dos.detect.detectors.tracker.AlertTracker` turns
findings into pending/firing transitions. Alerts carry the rules' labels: ``alertname``,
``namespace``, ``service``, ``severity``, ``rule`` (the detector's key), ``feature`` for
metric detectors and ``pod`` where a pod is named.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from dos.detect.alert import AlertTransition
from dos.detect.detectors.base import StreamingDetector
from dos.detect.detectors.config import DetectorAlertConfig, DetectorStageConfig
from dos.detect.detectors.isolation import IsolationForestDetector
from dos.detect.detectors.logs import LogTemplateDetector
from dos.detect.detectors.registry import make_detector
from dos.detect.detectors.traces import TraceEdgeDetector
from dos.detect.detectors.tracker import AlertTracker, Condition
from dos.durations import parse_duration
from dos.rca.signals import ServiceSignals
from dos.signals import ServiceFeatures, read_features
from dos.telemetry import TelemetryBatch

__all__ = ["ALERT_NAMES", "DetectorStage"]

logger = logging.getLogger(__name__)

ALERT_NAMES = {
    "ewma": "MetricAnomaly",
    "seasonal": "SeasonalAnomaly",
    "cusum": "ChangePoint",
    "isolation_forest": "ServiceAnomaly",
    "slo": "SLOBurnRate",
    "logs": "LogAnomaly",
    "traces": "TraceAnomaly",
}
_PER_FEATURE = ("ewma", "seasonal", "cusum")
_POD_FEATURES = ("cpu", "memory")
Key = tuple[str, ...]


class DetectorStage:
    """Run the enabled detectors over the signals and return their alert transitions."""

    def __init__(
        self,
        config: DetectorStageConfig,
        signals: ServiceSignals,
        services: Sequence[str] = (),
    ) -> None:
        config.validate()
        self.config = config
        self.signals = signals.with_namespace(config.namespace)
        self.services = list(services)
        self._step = parse_duration(config.step, "dos.detectors.step")
        enabled = {k: c for k, c in config.detectors.items() if c.enabled}
        self._configs: dict[str, DetectorAlertConfig] = enabled
        self._trackers = {k: AlertTracker(parse_duration(c.for_)) for k, c in enabled.items()}
        self._univariate: dict[Key, StreamingDetector] = {}
        self._forests: dict[str, IsolationForestDetector] = {}
        self._start: float | None = None
        logs = enabled.get("logs")
        self._logs = LogTemplateDetector(**_typed(logs.settings)) if logs else None
        traces = enabled.get("traces")
        self._traces = TraceEdgeDetector(**_typed(traces.settings)) if traces else None

    def observe(self, batch: TelemetryBatch) -> None:
        """Take in the logs and spans of a batch (metrics are read from the store)."""
        if self._logs is not None:
            self._logs.observe(batch.logs)
        if self._traces is not None:
            self._traces.observe(batch.spans)

    def evaluate(self, now: float) -> list[AlertTransition]:
        """Run every enabled detector at ``now``; return the alerts' state changes."""
        found: dict[str, dict[Key, Condition]] = {k: {} for k in self._configs}
        if self._warmed_up(now):
            for row in read_features(self.signals, self._service_names(now), now):
                self._judge_metrics(row, now, found)
        self._judge_logs(now, found)
        self._judge_traces(now, found)
        changes: list[AlertTransition] = []
        for key, tracker in self._trackers.items():
            changes.extend(tracker.step(now, found[key]))
        return changes

    def _warmed_up(self, now: float) -> bool:
        """Tell whether a whole rate window of data precedes ``now``.

        Rates over a window only partly filled with samples read low; fed to a detector
        they would teach it a ramp that never happens again.
        """
        if self._start is None:
            start = self.signals.data_start
            self._start = start if math.isfinite(start) else now - self._step
        return now - self._start >= self.signals.rate_window + self._step

    def _service_names(self, now: float) -> list[str]:
        if self.services:
            return self.services
        return sorted(s for s in self.signals.traffic(now) if s)

    def _judge_metrics(
        self, row: ServiceFeatures, now: float, found: dict[str, dict[Key, Condition]]
    ) -> None:
        for key in _PER_FEATURE:
            if key not in self._configs:
                continue
            for feature in self.config.features:
                value = getattr(row, feature)
                detector = self._detector(key, row.service, feature)
                score = detector.update(now, value)
                pod = row.hottest_pod if feature in _POD_FEATURES else ""
                self._note(
                    found,
                    key,
                    (row.service, feature),
                    score,
                    value,
                    row.service,
                    {"feature": feature, "pod": pod},
                )
        if "slo" in self._configs:
            detector = self._detector("slo", row.service, "error_ratio")
            score = detector.update(now, row.error_ratio)
            self._note(found, "slo", (row.service,), score, row.error_ratio, row.service, {})
        if "isolation_forest" in self._configs:
            forest = self._forests.get(row.service)
            if forest is None:
                settings = _typed(self._configs["isolation_forest"].settings)
                forest = self._forests[row.service] = IsolationForestDetector(**settings)
            score = forest.update(now, [v if not math.isnan(v) else 0.0 for v in row.vector()])
            self._note(found, "isolation_forest", (row.service,), score, score, row.service, {})

    def _judge_logs(self, now: float, found: dict[str, dict[Key, Condition]]) -> None:
        if self._logs is None:
            return
        for anomaly in self._logs.evaluate(now):
            extra = {"template": anomaly.template, "kind": anomaly.kind}
            self._note(
                found,
                "logs",
                (anomaly.service,),
                anomaly.score,
                anomaly.count,
                anomaly.service,
                {},
                extra,
            )

    def _judge_traces(self, now: float, found: dict[str, dict[Key, Condition]]) -> None:
        if self._traces is None:
            return
        for anomaly in self._traces.evaluate(now):
            extra = {"edge": f"{anomaly.caller} -> {anomaly.callee}", "kind": anomaly.kind}
            self._note(
                found,
                "traces",
                (anomaly.callee,),
                anomaly.score,
                anomaly.value,
                anomaly.callee,
                {},
                extra,
            )

    def _detector(self, key: str, service: str, feature: str) -> StreamingDetector:
        ident = (key, service, feature)
        detector = self._univariate.get(ident)
        if detector is None:
            settings = dict(self._configs[key].settings)
            if key == "slo":
                settings.setdefault("step", self._step)
            detector = self._univariate[ident] = make_detector(key, settings)
        return detector

    def _note(
        self,
        found: dict[str, dict[Key, Condition]],
        key: str,
        ident: Key,
        score: float,
        value: float,
        service: str,
        labels: dict[str, str],
        annotations: dict[str, str] | None = None,
    ) -> None:
        """Record a finding when ``score`` reaches the detector's alert score."""
        config = self._configs[key]
        if not score >= config.score or ident in found[key]:
            return
        all_labels = {
            "alertname": ALERT_NAMES[key],
            "namespace": self.config.namespace,
            "service": service,
            "severity": config.severity,
            "rule": key,
            **{k: v for k, v in labels.items() if v},
        }
        notes = {"score": f"{score:.3f}", **(annotations or {})}
        notes["summary"] = f"{ALERT_NAMES[key]} on {service} (score {score:.2f})"
        found[key][ident] = Condition(all_labels, value, notes)


def _typed(settings: dict[str, float]) -> dict[str, Any]:
    """Config numbers arrive as floats; whole numbers become ints for count settings."""
    return {k: int(v) if float(v).is_integer() else v for k, v in settings.items()}
