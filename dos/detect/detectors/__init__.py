"""Statistical and learned detectors, behind one streaming ``Detector`` protocol.

The closed-loop stage is :class:`dos.detect.detectors.stage.DetectorStage`; it is not
imported here so that :mod:`dos.config` can use this package's settings without a cycle.
"""

from __future__ import annotations

from dos.detect.detectors.base import Detector, StreamingDetector
from dos.detect.detectors.changepoint import CUSUM
from dos.detect.detectors.config import (
    DetectorAlertConfig,
    DetectorStageConfig,
    default_detector_configs,
)
from dos.detect.detectors.ewma import EWMAZScore
from dos.detect.detectors.isolation import IsolationForestDetector
from dos.detect.detectors.logs import LogAnomaly, LogTemplateDetector
from dos.detect.detectors.novelty import RangeNovelty
from dos.detect.detectors.registry import STAGE_DETECTORS, UNIVARIATE, make_detector
from dos.detect.detectors.seasonal import SeasonalBaseline
from dos.detect.detectors.slo import SLOBurnRate
from dos.detect.detectors.traces import TraceAnomaly, TraceEdgeDetector
from dos.detect.detectors.tracker import AlertTracker, Condition

__all__ = [
    "CUSUM",
    "STAGE_DETECTORS",
    "UNIVARIATE",
    "AlertTracker",
    "Condition",
    "Detector",
    "DetectorAlertConfig",
    "DetectorStageConfig",
    "EWMAZScore",
    "IsolationForestDetector",
    "LogAnomaly",
    "LogTemplateDetector",
    "RangeNovelty",
    "SLOBurnRate",
    "SeasonalBaseline",
    "StreamingDetector",
    "TraceAnomaly",
    "TraceEdgeDetector",
    "default_detector_configs",
    "make_detector",
]
