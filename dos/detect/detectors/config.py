"""Settings of the detector stage: which detectors alert, at what score, held how long."""

from __future__ import annotations

from dataclasses import dataclass, field

from dos.durations import parse_duration
from dos.errors import ConfigError
from dos.signals import FEATURES

__all__ = ["DetectorAlertConfig", "DetectorStageConfig", "default_detector_configs"]

_SEVERITIES = ("critical", "warning", "info")


@dataclass
class DetectorAlertConfig:
    """One detector in the closed loop: it alerts while its score is at least ``score``."""

    enabled: bool = True
    score: float = 0.6
    for_: str = "2m"
    severity: str = "warning"
    settings: dict[str, float] = field(default_factory=dict)

    def validate(self, key: str) -> None:
        """Reject a bad value, naming ``key``."""
        if not 0 < self.score < 1:
            raise ConfigError(f"{key}.score", self.score, "a score between 0 and 1")
        parse_duration(self.for_, f"{key}.for")
        if self.severity not in _SEVERITIES:
            raise ConfigError(f"{key}.severity", self.severity, "one of critical, warning, info")


def default_detector_configs() -> dict[str, DetectorAlertConfig]:
    """The defaults: conservative enough for under one false alert per quiet day."""
    return {
        "ewma": DetectorAlertConfig(
            score=0.6, for_="2m", settings={"half_life": 240.0, "clip": 4.0}
        ),
        "cusum": DetectorAlertConfig(enabled=False, score=0.5, for_="0s"),
        "seasonal": DetectorAlertConfig(enabled=False, score=0.6, for_="5m"),
        "isolation_forest": DetectorAlertConfig(enabled=False, score=0.75, for_="2m"),
        "slo": DetectorAlertConfig(score=0.5, for_="0s", severity="critical"),
        "logs": DetectorAlertConfig(score=0.5, for_="0s"),
        "traces": DetectorAlertConfig(score=0.5, for_="1m"),
    }


@dataclass
class DetectorStageConfig:
    """The detector stage: the features watched and each detector's alert settings.

    The stage is off unless ``enabled``: the default closed loop runs the brief's rules alone.
    """

    enabled: bool = False
    namespace: str = "default"
    step: str = "15s"
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    detectors: dict[str, DetectorAlertConfig] = field(default_factory=default_detector_configs)

    def validate(self, key: str = "dos.detectors") -> None:
        """Reject a bad value, naming its key under ``key``."""
        from dos.detect.detectors.registry import STAGE_DETECTORS

        if parse_duration(self.step, f"{key}.step") <= 0:
            raise ConfigError(f"{key}.step", self.step, "a positive duration")
        for name in self.features:
            if name not in FEATURES:
                raise ConfigError(f"{key}.features", name, f"one of {', '.join(FEATURES)}")
        for name, detector in self.detectors.items():
            if name not in STAGE_DETECTORS:
                allowed = ", ".join(sorted(STAGE_DETECTORS))
                raise ConfigError(f"{key}.detectors.{name}", name, f"one of {allowed}")
            detector.validate(f"{key}.detectors.{name}")
