"""The run's tables: their columns and types, the Parquet round trip, and refusing overwrites."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dos.actions import ActionKind, ActionStatus
from dos.detect.alert import AlertState, AlertTransition
from dos.telemetry import (
    STALE_NAN,
    EventKind,
    Labels,
    LogRecord,
    MetricScrape,
    Span,
    TimelineEvent,
    is_stale,
    labels_of,
)
from experiments import tables

ORIGIN = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
LATENCY_BUCKETS = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10")


class Kind(StrEnum):
    CPU_STRESS = "cpu_stress"


@dataclass
class Fault:
    id: str
    kind: Kind
    service: str
    pod: str | None
    params: dict[str, object]
    start: float
    end: float | None
    ended_by: str | None


@dataclass
class Verdict:
    timestamp: float
    service: str
    healthy: bool
    reason: str


@dataclass
class AuditRecord:
    action_id: str
    incident_id: str | None
    kind: ActionKind
    service: str
    pod: str | None
    replicas: int | None
    reason: str
    submitted_at: float
    actor: str
    status: ActionStatus
    message: str
    guardrail: str | None = None
    evidence: dict[str, float] = field(default_factory=dict)


class PlainAudit:
    """An audit record that is not a dataclass: only the documented attributes are read."""

    def __init__(self) -> None:
        self.action_id = "a9"
        self.incident_id = None
        self.kind = "restart"
        self.service = "ad"
        self.pod = None
        self.replicas = None
        self.reason = "manual"
        self.submitted_at = 2000.0
        self.actor = "oncall"
        self.status = "accepted"
        self.message = ""


def boutique_series(services: int, pods: int) -> list[Labels]:
    """CPU, memory and traffic series of ``services`` x ``pods`` pods, a scrape's worth."""
    out = []
    for s in range(services):
        for p in range(pods):
            base = {"namespace": "boutique", "service": f"svc{s}", "pod": f"svc{s}-{p}"}
            out.append(labels_of("container_cpu_usage_seconds_total", base, container=f"svc{s}"))
            out.append(labels_of("container_memory_working_set_bytes", base, container=f"svc{s}"))
            for code in ("200", "500", "503"):
                out.append(labels_of("http_requests_total", base, code=code))
            for le in (*LATENCY_BUCKETS, "+Inf"):
                out.append(labels_of("http_request_duration_seconds_bucket", base, le=le))
            out.append(labels_of("http_request_duration_seconds_sum", base))
            out.append(labels_of("http_request_duration_seconds_count", base))
    return out


def test_metrics_table_has_one_row_per_sample_with_its_labels_split_out() -> None:
    series = [
        labels_of(
            "container_cpu_usage_seconds_total",
            namespace="boutique",
            service="cart",
            pod="cart-1",
            container="cart",
        ),
        labels_of("up", job="boutique", instance="10.0.0.7:8080"),
    ]
    scrapes = [
        MetricScrape(0.0, series, np.array([1.5, 1.0])),
        MetricScrape(15.0, series, np.array([STALE_NAN, 0.0])),
    ]

    frame = tables.metrics_table(scrapes, ORIGIN)

    assert list(frame.columns) == tables.SCHEMAS["metrics"].names
    assert list(frame["t"]) == [0.0, 0.0, 15.0, 15.0]
    later = ORIGIN + timedelta(seconds=15)
    assert list(frame["time"]) == [ORIGIN, ORIGIN, later, later]
    assert list(frame["metric"]) == ["container_cpu_usage_seconds_total", "up"] * 2
    assert frame["service"].iloc[0] == "cart"
    assert pd.isna(frame["service"].iloc[1])
    assert json.loads(frame["labels"].iloc[0]) == {"container": "cart"}
    assert json.loads(frame["labels"].iloc[1]) == {"instance": "10.0.0.7:8080", "job": "boutique"}
    assert [is_stale(v) for v in frame["value"]] == [False, False, True, False]


def test_stale_markers_survive_the_parquet_round_trip(tmp_path: Path) -> None:
    series = [labels_of("up", job="cart", instance="a"), labels_of("up", job="cart", instance="b")]
    scrape = MetricScrape(30.0, series, np.array([STALE_NAN, float("nan")]))

    tables.write_tables(tmp_path, {"metrics": tables.metrics_table([scrape], ORIGIN)})
    back = tables.read_tables(tmp_path)["metrics"]

    assert [is_stale(v) for v in back["value"]] == [True, False]
    assert back["value"].isna().all()


@pytest.mark.parametrize("name", sorted(tables.SCHEMAS))
def test_empty_table_is_written_with_its_documented_columns_and_types(
    tmp_path: Path, name: str
) -> None:
    builder = getattr(tables, f"{name}_table")

    paths = tables.write_tables(tmp_path, {name: builder([], ORIGIN)})

    schema = pq.read_schema(paths[name])
    assert schema.names == tables.SCHEMAS[name].names
    assert schema.types == tables.SCHEMAS[name].types
    assert pq.read_table(paths[name]).num_rows == 0


def test_every_table_reads_back_equal_to_what_was_written(tmp_path: Path) -> None:
    labels = {"alertname": "CPUHigh", "service": "cart", "severity": "warning"}
    frames = {
        "logs": tables.logs_table(
            [
                LogRecord(
                    12.5,
                    "cart",
                    "cart-1",
                    "error",
                    "timeout calling redis",
                    "t1",
                    {"upstream": "redis-cart"},
                    4,
                )
            ],
            ORIGIN,
        ),
        "spans": tables.spans_table(
            [Span("t1", "s1", None, "frontend", "GET /cart", 12.0, 0.8, "ERROR")], ORIGIN
        ),
        "events": tables.events_table(
            [
                TimelineEvent(
                    600.0,
                    EventKind.SCALING,
                    "boutique",
                    "cart",
                    None,
                    "Scaled",
                    "cart scaled to 3",
                    {"action_id": "a1"},
                )
            ],
            ORIGIN,
        ),
        "alerts": tables.alerts_table(
            [
                AlertTransition(
                    930.0,
                    labels,
                    AlertState.PENDING,
                    AlertState.FIRING,
                    92.0,
                    {"summary": "cart CPU at 92 %"},
                )
            ],
            ORIGIN,
        ),
        "health": tables.health_table([Verdict(615.0, "cart", False, "p99 over 500 ms")], ORIGIN),
    }

    tables.write_tables(tmp_path, frames)
    back = tables.read_tables(tmp_path)

    assert sorted(back) == sorted(frames)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(back[name], frame)
    alert = back["alerts"].iloc[0]
    assert (alert["alertname"], alert["service"], alert["current"]) == (
        "CPUHigh",
        "cart",
        "firing",
    )
    assert json.loads(alert["labels"]) == labels
    assert back["events"]["kind"].iloc[0] == "scaling"
    assert back["logs"]["count"].iloc[0] == 4


def test_ground_truth_keeps_open_faults_open_and_params_as_sorted_json() -> None:
    fault = Fault(
        "f1",
        Kind.CPU_STRESS,
        "cart",
        None,
        {"workers": np.int64(4), "load": 90.0},
        600.0,
        None,
        None,
    )

    frame = tables.ground_truth_table([fault], ORIGIN)

    row = frame.iloc[0]
    assert (row["fault_id"], row["kind"], row["start"]) == ("f1", "cpu_stress", 600.0)
    assert np.isnan(row["end"])
    assert pd.isna(row["end_time"])
    assert row["start_time"] == ORIGIN + timedelta(minutes=10)
    assert row["params"] == '{"load":90.0,"workers":4}'


def test_actions_keep_every_dataclass_field_and_read_plain_objects_too() -> None:
    scale = AuditRecord(
        "a1",
        "INC-1",
        ActionKind.SCALE,
        "cart",
        None,
        4,
        "cpu",
        960.0,
        "dos",
        ActionStatus.REJECTED,
        "over max replicas",
        "max_replicas",
        {"cpu": 92.0},
    )

    frame = tables.actions_table([scale, PlainAudit()], ORIGIN)

    assert list(frame.columns) == [*tables.SCHEMAS["actions"].names, "guardrail", "evidence"]
    assert list(frame["t"]) == [960.0, 2000.0]
    assert list(frame["kind"]) == ["scale", "restart"]
    assert list(frame["status"]) == ["rejected", "accepted"]
    assert frame["replicas"].iloc[0] == 4
    assert pd.isna(frame["replicas"].iloc[1])
    assert frame["evidence"].iloc[0] == '{"cpu":92.0}'
    assert pd.isna(frame["guardrail"].iloc[1])


def test_naive_time_origin_is_taken_as_utc() -> None:
    frame = tables.health_table([Verdict(90.0, "ad", True, "")], datetime(2024, 3, 1, 9, 0))

    assert frame["time"].iloc[0] == datetime(2024, 3, 1, 9, 1, 30, tzinfo=UTC)


def test_writing_over_an_existing_table_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "metrics.parquet").write_bytes(b"an earlier run's table")
    frames = {
        "logs": tables.logs_table([], ORIGIN),
        "metrics": tables.metrics_table([], ORIGIN),
    }

    with pytest.raises(FileExistsError, match=r"metrics\.parquet: a table is already written"):
        tables.write_tables(tmp_path, frames)

    assert not (tmp_path / "logs.parquet").exists()
    assert (tmp_path / "metrics.parquet").read_bytes() == b"an earlier run's table"


def test_an_hour_of_boutique_scrapes_converts_and_writes_well_under_a_second(
    tmp_path: Path,
) -> None:
    series = boutique_series(services=11, pods=7)
    rng = np.random.default_rng(7)
    scrapes = [MetricScrape(15.0 * i, series, rng.random(len(series)) * 100.0) for i in range(240)]
    # Fresh lists each scrape must take the slow path and still be quick.
    scrapes[120:] = [MetricScrape(s.timestamp, list(series), s.values) for s in scrapes[120:]]

    timings = []
    for attempt in range(2):
        started = time.perf_counter()
        frame = tables.metrics_table(scrapes, ORIGIN)
        tables.write_tables(tmp_path / str(attempt), {"metrics": frame})
        timings.append(time.perf_counter() - started)

    assert len(frame) == 240 * len(series)
    assert frame["service"].nunique() == 11
    assert min(timings) < 1.0


@dataclass
class DetailedVerdict:
    timestamp: float
    service: str
    healthy: bool
    reason: str
    p99: float
    ready: int


def test_health_keeps_the_figures_a_verdict_was_based_on() -> None:
    verdicts = [
        DetailedVerdict(15.0, "cart", True, "ok", 0.12, 3),
        DetailedVerdict(30.0, "cart", False, "p99 720ms > 500ms", 0.72, 3),
    ]

    frame = tables.health_table(verdicts, ORIGIN)

    assert list(frame.columns) == [*tables.SCHEMAS["health"].names, "p99", "ready"]
    assert list(frame["healthy"]) == [True, False]
    assert list(frame["p99"]) == [0.12, 0.72]
    assert list(frame["t"]) == [15.0, 30.0]


def test_series_appearing_in_later_scrapes_get_their_own_labels() -> None:
    cart = labels_of("up", job="cart", instance="10.0.0.1:8080")
    ad = labels_of("up", job="ad", instance="10.0.0.2:8080")
    scrapes = [
        MetricScrape(0.0, [cart], np.array([1.0])),
        MetricScrape(15.0, [ad, cart], np.array([0.0, 1.0])),
        MetricScrape(30.0, [ad, cart], np.array([1.0, 1.0])),
    ]

    frame = tables.metrics_table(scrapes, ORIGIN)

    jobs = [json.loads(text)["job"] for text in frame["labels"]]
    assert jobs == ["cart", "ad", "cart", "ad", "cart"]
    assert list(frame["value"]) == [1.0, 0.0, 1.0, 1.0, 1.0]
