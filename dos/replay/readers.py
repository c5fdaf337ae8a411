"""Readers of recorded series: CSV (``timestamp,value``), Parquet, Prometheus' HTTP API.

Timestamps may be ISO 8601 times (read as UTC when they carry no offset) or numbers of
seconds since the epoch. Every reader hands its rows to
:func:`~dos.replay.series.check_series`, so bad input is treated the same everywhere.
"""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from numpy.typing import NDArray

from dos.replay.series import ReplayError, Series, check_series

__all__ = ["query_range", "read_csv", "read_parquet"]

_GAP_TEXTS = {"", "nan", "NaN", "NAN", "null", "NULL", "None"}


def read_csv(path: Path) -> Series:
    """Read a ``timestamp,value`` CSV file (header required, extra columns ignored)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path}: not a readable CSV file ({exc})") from exc
    return _from_frame(str(path), frame)


def read_parquet(path: Path) -> Series:
    """Read a Parquet file with ``timestamp`` and ``value`` columns."""
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as exc:
        raise ReplayError(f"{path}: not a readable Parquet file ({exc})") from exc
    return _from_frame(str(path), frame)


def _from_frame(name: str, frame: pd.DataFrame) -> Series:
    missing = [c for c in ("timestamp", "value") if c not in frame.columns]
    if missing:
        raise ReplayError(f"{name}: missing column(s) {', '.join(missing)}; need timestamp,value")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    times = _times(name, frame["timestamp"], rows)
    values = _values(name, frame["value"], rows)
    return check_series(name, times, values, rows)


def _times(name: str, column: pd.Series, rows: NDArray[np.int64]) -> NDArray[np.float64]:
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed = pd.to_datetime(column, utc=True)
    elif pd.api.types.is_numeric_dtype(column):
        return np.asarray(column, dtype=np.float64)
    else:
        text = column.astype(str).str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        if numeric.notna().all() and len(text):
            return np.asarray(numeric, dtype=np.float64)
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    since = parsed - pd.Timestamp(0, tz="UTC")
    return np.asarray(since.dt.total_seconds(), dtype=np.float64)


def _values(name: str, column: pd.Series, rows: NDArray[np.int64]) -> NDArray[np.float64]:
    if pd.api.types.is_numeric_dtype(column):
        return np.asarray(column, dtype=np.float64)
    text = column.astype(str).str.strip()
    gap = text.isin(_GAP_TEXTS)
    numbers = pd.to_numeric(text.where(~gap, "nan"), errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy() & ~gap.to_numpy())
    if len(bad):
        raise ReplayError(
            f"{name}: row {rows[bad[0]]}: value {text.iloc[bad[0]]!r} is not a number"
        )
    return np.asarray(numbers, dtype=np.float64)


def query_range(
    url: str, query: str, start: float, end: float, step: float, timeout: float = 30.0
) -> list[Series]:
    """Run a PromQL range query on a Prometheus server; one series per result."""
    params = urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": step})
    address = f"{url.rstrip('/')}/api/v1/query_range?{params}"
    try:
        with urllib.request.urlopen(address, timeout=timeout) as response:
            body = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ReplayError(f"{address}: range query failed ({exc})") from exc
    if body.get("status") != "success" or body.get("data", {}).get("resultType") != "matrix":
        raise ReplayError(f"{address}: {body.get('error', 'not a matrix result')}")
    out = []
    for result in body["data"]["result"]:
        labels = result.get("metric", {})
        pairs = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
        name = f"{labels.get('__name__', '')}{{{pairs}}}"
        samples = result.get("values", [])
        times = np.array([float(t) for t, _ in samples])
        values = np.array([_sample(v) for _, v in samples])
        rows = np.arange(1, len(samples) + 1, dtype=np.int64)
        out.append(check_series(name, times, values, rows))
    return out


def _sample(text: str) -> float:
    value = float(text)  # Prometheus writes NaN and +Inf as strings float() reads
    return value if not math.isinf(value) else math.nan
