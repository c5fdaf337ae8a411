"""Time intervals scoring works on: unhealthy spans, alert episodes and recovery."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SERVICE_LABELS",
    "Span",
    "alert_episodes",
    "first_overlap",
    "merge",
    "overlaps",
    "recovery",
    "rows",
    "unhealthy_spans",
]

Span = tuple[float, float]
"""A half-open interval ``[from, until)`` of simulated seconds."""

SERVICE_LABELS = ("service", "deployment", "job")
"""The labels that name an alert's service, in order of preference."""

_EPISODE_COLUMNS = ["alert", "alertname", "service", "firing_at", "resolved_at", "still_firing"]


def rows(frame: pd.DataFrame) -> Iterator[Any]:
    """Iterate a table's rows as named tuples (typed loosely: columns vary by table)."""
    return frame.itertuples(index=False)


def unhealthy_spans(health: pd.DataFrame, run_end: float) -> dict[str, list[Span]]:
    """Return each service's unhealthy spans, merged and sorted.

    A verdict holds from its ``t`` until the service's next verdict, the last one until
    ``run_end``.
    """
    spans: dict[str, list[Span]] = {}
    ordered = health.sort_values(["service", "t"], kind="stable")
    for service, group in ordered.groupby("service", sort=False):
        t = group["t"].to_numpy(dtype=np.float64)
        healthy = group["healthy"].to_numpy(dtype=bool)
        until = np.append(t[1:], max(run_end, float(t[-1])))
        sick = [(float(a), float(b)) for a, b, ok in zip(t, until, healthy, strict=True) if not ok]
        spans[str(service)] = merge(sick)
    return spans


def merge(spans: Iterable[Span]) -> list[Span]:
    """Merge spans that overlap or touch, in time order; drop empty ones."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def first_overlap(spans: Iterable[Span], start: float, end: float) -> float | None:
    """Return the first instant of ``[start, end)`` that one of the sorted ``spans`` covers."""
    for span_start, span_end in spans:
        if span_start < end and span_end > start:
            return max(span_start, start)
    return None


def overlaps(first: float, last: float, start: float, end: float) -> bool:
    """Tell whether episode ``[first, last)`` meets window ``[start, end)``.

    An episode that resolved the instant it fired still counts at that instant.
    """
    return first < end and (last > start or first >= start)


def recovery(
    sick: Iterable[Span], search_from: float, stable_for: float, run_end: float
) -> float | None:
    """Return the first instant from ``search_from`` outside the sorted, merged ``sick``
    spans that stays outside them for ``stable_for``, or None if none does by ``run_end``.
    """
    candidate = search_from
    for sick_from, sick_until in sick:
        if sick_until <= candidate:
            continue
        if sick_from - candidate >= stable_for:
            return candidate
        candidate = max(candidate, sick_until)
    return candidate if run_end - candidate >= stable_for else None


def alert_episodes(alerts: pd.DataFrame, run_end: float) -> pd.DataFrame:
    """Cut alert transitions into firing episodes, one row each, ordered by firing time.

    Columns: alert (the label set as JSON: the alert's identity), alertname, service (from
    :data:`SERVICE_LABELS`; None when the alert names none), firing_at, resolved_at
    (``run_end`` while still firing) and still_firing.
    """
    episodes: list[dict[str, Any]] = []
    open_at: dict[str, float] = {}
    for key, labels, t, current in _transitions(alerts):
        if current == "firing" and key not in open_at:
            open_at[key] = t
        elif current != "firing" and key in open_at:
            episodes.append(_episode(labels, key, open_at.pop(key), t, still_firing=False))
    for key, started in open_at.items():
        end = max(run_end, started)
        episodes.append(_episode(json.loads(key), key, started, end, still_firing=True))
    frame = pd.DataFrame(episodes, columns=_EPISODE_COLUMNS)
    return frame.sort_values(["firing_at", "alert"], kind="stable").reset_index(drop=True)


def _transitions(alerts: pd.DataFrame) -> Iterator[tuple[str, dict[str, str], float, str]]:
    """Yield (identity, labels, t, current state) in time order, ties in table order."""
    for row in rows(alerts.sort_values("t", kind="stable")):
        labels = _alert_labels(row)
        key = json.dumps(labels, sort_keys=True, separators=(",", ":"))
        yield key, labels, float(row.t), str(row.current)


def _alert_labels(row: Any) -> dict[str, str]:
    """Return an alert's labels: the ``labels`` JSON if present, else the label columns."""
    text = getattr(row, "labels", None)
    if isinstance(text, str):
        return {str(k): str(v) for k, v in json.loads(text).items()}
    names = ("alertname", "namespace", "service", "pod", "severity")
    pairs = {name: getattr(row, name, None) for name in names}
    return {k: v for k, v in pairs.items() if isinstance(v, str)}


def _episode(
    labels: Mapping[str, str], key: str, firing: float, resolved: float, *, still_firing: bool
) -> dict[str, Any]:
    """Describe one episode as a row of the episodes table."""
    return {
        "alert": key,
        "alertname": labels.get("alertname"),
        "service": next((labels[n] for n in SERVICE_LABELS if labels.get(n)), None),
        "firing_at": firing,
        "resolved_at": resolved,
        "still_firing": still_firing,
    }
