"""The signal stage: raw telemetry turned into the signals rules and detectors read."""

from __future__ import annotations

from dos.signals.service import FEATURES, ServiceFeatures, read_features
from dos.signals.transforms import (
    counter_increase,
    counter_rate,
    histogram_quantile,
    resample,
    safe_ratio,
)

__all__ = [
    "FEATURES",
    "ServiceFeatures",
    "counter_increase",
    "counter_rate",
    "histogram_quantile",
    "read_features",
    "resample",
    "safe_ratio",
]
