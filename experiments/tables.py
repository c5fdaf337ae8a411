"""A run's records as pandas DataFrames, and those as Parquet files with a fixed schema.

Every table has ``t``, float seconds from the scenario start, and ``time``, the same instant
as ``timestamp[ms, tz=UTC]`` (the run's ``time_origin`` plus ``t``; a naive origin is taken
as UTC). Label sets, attributes and parameters are JSON strings with sorted keys (``"{}"``
when empty), so any Parquet reader can filter on them. A label the record lacks is null.

``metrics`` (one row per sample, from :class:`dos.telemetry.MetricScrape`)
    t, time, metric (the ``__name__``), namespace, service, pod, labels (every other label),
    value. Prometheus' stale markers stay NaN with their bit pattern intact, so
    :func:`dos.telemetry.is_stale` still tells them from ordinary NaN after a round trip.
``logs`` (:class:`dos.telemetry.LogRecord`)
    t, time, service, pod, level, message, trace_id, attributes, count.
``spans`` (:class:`dos.telemetry.Span`)
    t (the span's start), time, duration, trace_id, span_id, parent_id, service, operation,
    status.
``events`` (:class:`dos.telemetry.TimelineEvent`)
    t, time, kind, namespace, service, pod, reason, message, attributes.
``alerts`` (:class:`dos.detect.alert.AlertTransition`)
    t, time, alertname, namespace, service, pod, severity, labels (every label, ``alertname``
    included: the alert's identity), annotations, previous, current (state names), value.
``ground_truth`` (the twin's faults: id, kind, service, pod, params, start, end, ended_by)
    fault_id, kind, service, pod, params, start, end (NaN while the fault was still active at
    the end of the run), ended_by, start_time, end_time.
``actions`` (audit records)
    t and time (both from ``submitted_at``), then action_id, incident_id, kind, service, pod,
    replicas, reason, submitted_at, actor, status, message, then any further field the record
    has; nested values are JSON strings.
``health`` (the twin's verdicts: timestamp, service, healthy, reason)
    t, time, service, healthy, reason, then any further field the verdict has (the figures
    it was based on).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from dos.detect.alert import AlertTransition
from dos.telemetry import Labels, LogRecord, MetricScrape, Span, TimelineEvent

__all__ = [
    "SCHEMAS",
    "actions_table",
    "alerts_table",
    "events_table",
    "ground_truth_table",
    "health_table",
    "logs_table",
    "metrics_table",
    "read_tables",
    "spans_table",
    "write_tables",
]

logger = logging.getLogger(__name__)

_TIME = pa.timestamp("ms", tz="UTC")
_STR = pa.string()
_F64 = pa.float64()


def _schema(**fields: pa.DataType) -> pa.Schema:
    """Build a schema from ``name=type`` pairs, in order."""
    return pa.schema(list(fields.items()))


SCHEMAS: dict[str, pa.Schema] = {
    "metrics": _schema(
        t=_F64,
        time=_TIME,
        metric=_STR,
        namespace=_STR,
        service=_STR,
        pod=_STR,
        labels=_STR,
        value=_F64,
    ),
    "logs": _schema(
        t=_F64,
        time=_TIME,
        service=_STR,
        pod=_STR,
        level=_STR,
        message=_STR,
        trace_id=_STR,
        attributes=_STR,
        count=pa.int64(),
    ),
    "spans": _schema(
        t=_F64,
        time=_TIME,
        duration=_F64,
        trace_id=_STR,
        span_id=_STR,
        parent_id=_STR,
        service=_STR,
        operation=_STR,
        status=_STR,
    ),
    "events": _schema(
        t=_F64,
        time=_TIME,
        kind=_STR,
        namespace=_STR,
        service=_STR,
        pod=_STR,
        reason=_STR,
        message=_STR,
        attributes=_STR,
    ),
    "alerts": _schema(
        t=_F64,
        time=_TIME,
        alertname=_STR,
        namespace=_STR,
        service=_STR,
        pod=_STR,
        severity=_STR,
        labels=_STR,
        annotations=_STR,
        previous=_STR,
        current=_STR,
        value=_F64,
    ),
    "ground_truth": _schema(
        fault_id=_STR,
        kind=_STR,
        service=_STR,
        pod=_STR,
        params=_STR,
        start=_F64,
        end=_F64,
        ended_by=_STR,
        start_time=_TIME,
        end_time=_TIME,
    ),
    "actions": _schema(
        t=_F64,
        time=_TIME,
        action_id=_STR,
        incident_id=_STR,
        kind=_STR,
        service=_STR,
        pod=_STR,
        replicas=pa.int64(),
        reason=_STR,
        submitted_at=_F64,
        actor=_STR,
        status=_STR,
        message=_STR,
    ),
    "health": _schema(t=_F64, time=_TIME, service=_STR, healthy=pa.bool_(), reason=_STR),
}
"""The Parquet schema of every table; an actions table may carry further columns."""

# Labels with columns of their own in the metrics table, and those columns' names.
_METRIC_COLUMNS = {
    "__name__": "metric",
    "namespace": "namespace",
    "service": "service",
    "pod": "pod",
}


def metrics_table(scrapes: Sequence[MetricScrape], time_origin: datetime) -> pd.DataFrame:
    """Flatten ``scrapes`` into the long metrics table, one row per sample.

    Each distinct series is described once and its rows take the description by index, so
    an hour of a dozen services (a few hundred thousand samples) converts in a fraction of
    a second.
    """
    index = _SeriesIndex()
    codes = [index.codes(scrape.series) for scrape in scrapes]
    sizes = [len(scrape.values) for scrape in scrapes]
    t = np.repeat(np.array([s.timestamp for s in scrapes], dtype=np.float64), sizes)
    code = pa.array(np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64))
    columns: dict[str, Any] = {
        name: pa.array(described, type=_STR).take(code)
        for name, described in index.described().items()
    }
    values = [np.asarray(scrape.values, dtype=np.float64) for scrape in scrapes]
    columns["value"] = np.concatenate(values) if values else np.zeros(0)
    return _frame("metrics", t, columns, time_origin)


def logs_table(records: Sequence[LogRecord], time_origin: datetime) -> pd.DataFrame:
    """Tabulate log records; ``count`` keeps how many identical lines each row stands for."""
    columns = {
        "service": [r.service for r in records],
        "pod": [r.pod for r in records],
        "level": [_text(r.level) for r in records],
        "message": [r.message for r in records],
        "trace_id": [r.trace_id for r in records],
        "attributes": [_json(r.attributes) for r in records],
        "count": [r.count for r in records],
    }
    return _frame("logs", [r.timestamp for r in records], columns, time_origin)


def spans_table(spans: Sequence[Span], time_origin: datetime) -> pd.DataFrame:
    """Tabulate spans, timed by their start."""
    columns = {
        "duration": [s.duration for s in spans],
        "trace_id": [s.trace_id for s in spans],
        "span_id": [s.span_id for s in spans],
        "parent_id": [s.parent_id for s in spans],
        "service": [s.service for s in spans],
        "operation": [s.operation for s in spans],
        "status": [s.status for s in spans],
    }
    return _frame("spans", [s.start for s in spans], columns, time_origin)


def events_table(events: Sequence[TimelineEvent], time_origin: datetime) -> pd.DataFrame:
    """Tabulate cluster events (deployments, scaling, restarts and the like)."""
    columns = {
        "kind": [_text(e.kind) for e in events],
        "namespace": [e.namespace for e in events],
        "service": [e.service for e in events],
        "pod": [e.pod for e in events],
        "reason": [e.reason for e in events],
        "message": [e.message for e in events],
        "attributes": [_json(e.attributes) for e in events],
    }
    return _frame("events", [e.timestamp for e in events], columns, time_origin)


def alerts_table(transitions: Sequence[AlertTransition], time_origin: datetime) -> pd.DataFrame:
    """Tabulate alert state changes; ``labels`` holds the alert's whole label set."""
    labels = [dict(c.labels) for c in transitions]
    columns = {
        "alertname": [lb.get("alertname") for lb in labels],
        "namespace": [lb.get("namespace") for lb in labels],
        "service": [lb.get("service") for lb in labels],
        "pod": [lb.get("pod") for lb in labels],
        "severity": [lb.get("severity") for lb in labels],
        "labels": [_json(lb) for lb in labels],
        "annotations": [_json(c.annotations) for c in transitions],
        "previous": [_text(c.previous) for c in transitions],
        "current": [_text(c.current) for c in transitions],
        "value": [c.value for c in transitions],
    }
    return _frame("alerts", [c.timestamp for c in transitions], columns, time_origin)


def ground_truth_table(faults: Iterable[Any], time_origin: datetime) -> pd.DataFrame:
    """Tabulate the twin's faults (objects with id, kind, service, pod, params, start, end)."""
    faults = list(faults)
    start = np.array([f.start for f in faults], dtype=np.float64)
    end = np.array([np.nan if f.end is None else f.end for f in faults], dtype=np.float64)
    columns = {
        "fault_id": [_text(f.id) for f in faults],
        "kind": [_text(f.kind) for f in faults],
        "service": [f.service for f in faults],
        "pod": [f.pod for f in faults],
        "params": [_json(f.params) for f in faults],
        "start": start,
        "end": end,
        "ended_by": [_text(f.ended_by) for f in faults],
        "start_time": _times(start, time_origin),
        "end_time": _times(end, time_origin),
    }
    return _frame("ground_truth", None, columns, time_origin)


def actions_table(records: Iterable[Any], time_origin: datetime) -> pd.DataFrame:
    """Tabulate audit records, keeping every field a dataclass record carries."""
    columns = _record_columns(records, SCHEMAS["actions"].names[2:])
    submitted = [np.nan if v is None else float(v) for v in columns["submitted_at"]]
    columns["submitted_at"] = submitted
    return _frame("actions", submitted, columns, time_origin)


def health_table(verdicts: Iterable[Any], time_origin: datetime) -> pd.DataFrame:
    """Tabulate the twin's health verdicts, keeping every field a dataclass verdict carries."""
    columns = _record_columns(verdicts, ["timestamp", *SCHEMAS["health"].names[2:]])
    timestamps = columns.pop("timestamp")
    columns["healthy"] = [bool(v) for v in columns["healthy"]]
    return _frame("health", timestamps, columns, time_origin)


def write_tables(run_dir: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """Write each table to ``run_dir/<name>.parquet`` and return the paths by name.

    A run writes into a fresh folder: a table file already there is never replaced, and
    nothing is written when one is found.
    """
    run_dir = Path(run_dir)
    paths = {name: run_dir / f"{name}.parquet" for name in tables}
    for path in paths.values():
        if path.exists():
            raise FileExistsError(
                f"{path}: a table is already written here; every run needs a fresh folder"
            )
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        pq.write_table(_arrow(name, frame), paths[name])
        logger.debug("wrote %s rows to %s", len(frame), paths[name])
    return paths


def read_tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    """Read every ``<name>.parquet`` table of a run folder back, by name."""
    paths = sorted(Path(run_dir).glob("*.parquet"))
    return {path.stem: _to_pandas(pq.read_table(path)) for path in paths}


class _SeriesIndex:
    """Numbers distinct series in order of appearance and describes each once."""

    def __init__(self) -> None:
        self._codes: dict[Labels, int] = {}
        self._last: tuple[Sequence[Labels], NDArray[np.int64]] | None = None

    def codes(self, series: Sequence[Labels]) -> NDArray[np.int64]:
        """Return the code of every series in ``series``."""
        # A source usually scrapes the same series list every time; comparing it with the
        # previous list is far cheaper than hashing every label set again.
        last = self._last
        if last is not None and len(last[1]) == len(series) and _same_list(last[0], series):
            return last[1]
        lookup = self._codes
        codes = np.fromiter(
            (lookup.setdefault(labels, len(lookup)) for labels in series),
            dtype=np.int64,
            count=len(series),
        )
        self._last = (series, codes)
        return codes

    def described(self) -> dict[str, NDArray[np.object_]]:
        """Return, per column, an array holding each series' value at its code."""
        size = len(self._codes)
        out = {name: np.empty(size, dtype=object) for name in _METRIC_COLUMNS.values()}
        out["labels"] = np.empty(size, dtype=object)
        for labels, code in self._codes.items():
            pairs = dict(labels)
            for label, column in _METRIC_COLUMNS.items():
                out[column][code] = pairs.pop(label, None)
            out["labels"][code] = _json(pairs)
        return out


def _same_list(old: Sequence[Labels], new: Sequence[Labels]) -> bool:
    """Tell whether ``new`` holds the same series as ``old``, in the same order."""
    if old is new:
        return True
    return type(old) is type(new) and isinstance(new, list | tuple) and old == new


def _frame(
    name: str,
    t: Sequence[float] | NDArray[np.float64] | None,
    columns: Mapping[str, Any],
    origin: datetime,
) -> pd.DataFrame:
    """Build table ``name`` with its documented types, ``t`` and ``time`` first if timed."""
    schema = SCHEMAS[name]
    arrays: dict[str, pa.Array] = {}
    if t is not None:
        seconds = np.asarray(t, dtype=np.float64)
        arrays["t"] = pa.array(seconds)
        arrays["time"] = _times(seconds, origin)
    for column, values in columns.items():
        documented = schema.field(column).type if column in schema.names else None
        arrays[column] = _array(values, documented)
    order = [n for n in schema.names if n in arrays] + [n for n in arrays if n not in schema.names]
    return _to_pandas(pa.table({n: arrays[n] for n in order}))


def _array(values: Any, kind: pa.DataType | None) -> pa.Array:
    """Convert one column's values; floats go through numpy so that NaN stays NaN."""
    if isinstance(values, pa.Array):
        return values if kind is None else values.cast(kind)
    if kind == _F64:
        return pa.array(np.asarray(values, dtype=np.float64))
    return pa.array(values, type=kind)


def _times(t: NDArray[np.float64], origin: datetime) -> pa.Array:
    """Return ``origin + t`` as UTC timestamps to the millisecond; NaN seconds become null."""
    aware = origin if origin.tzinfo is not None else origin.replace(tzinfo=UTC)
    origin_ms = round(aware.timestamp() * 1000)
    unknown = np.isnan(t)
    stamps = np.where(unknown, 0.0, origin_ms + np.round(t * 1000.0)).astype(np.int64)
    return pa.array(stamps, type=_TIME, mask=unknown)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert an Arrow table, keeping integer columns with nulls as nullable integers."""
    frame: pd.DataFrame = table.to_pandas(types_mapper=_NULLABLE.get)
    return frame


_NULLABLE = {pa.int64(): pd.Int64Dtype()}


def _record_columns(records: Iterable[Any], known: Sequence[str]) -> dict[str, list[Any]]:
    """Return the ``known`` fields of every record, then any other field they carry."""
    flat = [_record_fields(record, known) for record in records]
    extra = [k for k in dict.fromkeys(k for row in flat for k in row) if k not in known]
    return {name: [row.get(name) for row in flat] for name in [*known, *extra]}


def _record_fields(record: Any, names: Sequence[str]) -> dict[str, Any]:
    """Return a record's fields as plain values: all of a dataclass's, else ``names``."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        fields = dataclasses.asdict(record)
    else:
        fields = {}
    for name in names:
        if name not in fields:
            fields[name] = getattr(record, name, None)
    return {name: _plain(value) for name, value in fields.items()}


def _plain(value: Any) -> Any:
    """Turn a value into something a Parquet column holds: enums by value, nesting as JSON."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping | list | tuple | set):
        return _json(value)
    return value


def _text(value: Any) -> str | None:
    """Return ``value`` as text (an enum by its value), keeping None."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _json(value: Any) -> str:
    """Encode ``value`` as compact JSON with sorted keys; numpy and enum values as plain."""
    if isinstance(value, set):
        value = sorted(value, key=str)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    """Encode what json cannot: enums, numpy scalars, mappings and sets."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def _arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """Convert ``frame`` with the documented types of table ``name`` (others as inferred)."""
    table = pa.table({str(column): _arrow_column(frame[column]) for column in frame.columns})
    documented = SCHEMAS.get(name)
    if documented is None:
        return table
    fields = [
        documented.field(col) if col in documented.names else table.schema.field(col)
        for col in table.column_names
    ]
    return table.cast(pa.schema(fields))


def _arrow_column(column: pd.Series) -> pa.Array:
    """Convert one column; NaN floats stay NaN (stale markers included), not null."""
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        utc = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        return pa.array(utc, type=pa.timestamp(dtype.unit, tz="UTC"), from_pandas=True)
    if dtype == np.dtype(np.float64):
        return pa.array(column.to_numpy())
    return pa.array(column, from_pandas=True)
