"""The detectors by key: build any univariate detector from its key and settings."""

from __future__ import annotations

import typing
from collections.abc import Mapping

from dos.detect.detectors.base import StreamingDetector
from dos.detect.detectors.changepoint import CUSUM
from dos.detect.detectors.ewma import EWMAZScore
from dos.detect.detectors.novelty import RangeNovelty
from dos.detect.detectors.seasonal import SeasonalBaseline
from dos.detect.detectors.slo import SLOBurnRate
from dos.errors import ConfigError

__all__ = ["STAGE_DETECTORS", "UNIVARIATE", "make_detector"]

UNIVARIATE: dict[str, type[StreamingDetector]] = {
    cls.key: cls for cls in (EWMAZScore, SeasonalBaseline, CUSUM, RangeNovelty, SLOBurnRate)
}
"""Every univariate detector, by key."""

STAGE_DETECTORS = ("cusum", "ewma", "isolation_forest", "logs", "seasonal", "slo", "traces")
"""The detectors the closed-loop stage can run."""


def make_detector(key: str, settings: Mapping[str, object] | None = None) -> StreamingDetector:
    """Build univariate detector ``key`` with ``settings`` (unknown names are refused)."""
    cls = UNIVARIATE.get(key)
    if cls is None:
        raise ConfigError("detector", key, f"one of {', '.join(sorted(UNIVARIATE))}")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in (settings or {}).items():
        # Config files give numbers as floats; whole-number settings are ints.
        if hints.get(name) is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        values[name] = value
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(
            f"{key} settings", dict(settings or {}), f"settings of {key}: {exc}"
        ) from exc
