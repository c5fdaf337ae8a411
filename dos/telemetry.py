"""Telemetry records DOS ingests: the data contract between every source and the core.

Any source (the twin, a recorded file, a Prometheus server, the local host) hands DOS
these records. Time is float seconds on the source's own clock; DOS never reads the
wall clock.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "STALE_NAN",
    "EventKind",
    "Labels",
    "Level",
    "LogRecord",
    "MetricScrape",
    "Span",
    "TelemetryBatch",
    "TelemetrySource",
    "TimelineEvent",
    "is_stale",
    "labels_of",
]

Labels = tuple[tuple[str, str], ...]
"""A series identity: label pairs sorted by name, the metric name under ``__name__``."""

# Prometheus marks a series stale with this exact NaN payload (value.StaleNaN).
_STALE_BITS = 0x7FF0000000000002
STALE_NAN: float = struct.unpack("<d", struct.pack("<Q", _STALE_BITS))[0]


def is_stale(value: float) -> bool:
    """Tell whether ``value`` is Prometheus' stale marker rather than an ordinary NaN."""
    return math.isnan(value) and struct.pack("<d", value) == struct.pack("<Q", _STALE_BITS)


def labels_of(name: str, labels: Mapping[str, str] | None = None, /, **more: str) -> Labels:
    """Build the sorted label tuple of series ``name`` with ``labels`` and ``more``."""
    pairs = {"__name__": name, **(labels or {}), **more}
    return tuple(sorted((k, v) for k, v in pairs.items() if v != ""))


@dataclass(frozen=True, slots=True)
class MetricScrape:
    """Samples of many series taken at one instant, as one Prometheus scrape yields them."""

    timestamp: float
    series: Sequence[Labels]
    values: NDArray[np.float64]

    def __post_init__(self) -> None:
        if len(self.series) != len(self.values):
            raise ValueError(
                f"MetricScrape: {len(self.series)} series but {len(self.values)} values"
            )


class Level(StrEnum):
    """Log severities, as ECS and most loggers name them."""

    DEBUG = "debug"
    INFO = "info"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log line, or ``count`` identical lines when the source samples its volume."""

    timestamp: float
    service: str
    pod: str
    level: str
    message: str
    trace_id: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    count: int = 1


@dataclass(frozen=True, slots=True)
class Span:
    """One OpenTelemetry-shaped span; ``status`` is ``"OK"`` or ``"ERROR"``."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    start: float
    duration: float
    status: str


class EventKind(StrEnum):
    """What a cluster's event stream and deploy log report."""

    DEPLOYMENT = "deployment"
    ROLLBACK = "rollback"
    CONFIG_CHANGE = "config_change"
    SCALING = "scaling"
    POD_CREATED = "pod_created"
    POD_READY = "pod_ready"
    POD_DELETED = "pod_deleted"
    RESTART = "restart"
    OOM_KILLED = "oom_killed"
    DRAINED = "drained"


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A change in the system: what ``kubectl get events`` or a deploy log would show."""

    timestamp: float
    kind: EventKind
    namespace: str
    service: str
    pod: str | None
    reason: str
    message: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class TelemetryBatch:
    """Everything a source produced since the previous poll."""

    metrics: list[MetricScrape] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)

    def extend(self, other: TelemetryBatch) -> None:
        """Append ``other``'s records after this batch's own."""
        self.metrics.extend(other.metrics)
        self.logs.extend(other.logs)
        self.spans.extend(other.spans)
        self.events.extend(other.events)


class TelemetrySource(Protocol):
    """Anything DOS can read telemetry from."""

    def poll(self, until: float) -> TelemetryBatch:
        """Return the records with timestamps up to ``until`` not returned before."""
        ...
