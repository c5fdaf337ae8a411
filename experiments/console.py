"""What a run prints: its timeline, phase by phase, and its score table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dos.detect.alert import AlertState, AlertTransition

__all__ = ["TimelineEntry", "format_scores", "format_timeline", "timeline_entries"]

# The brief's lifecycle, used to label each incident state change with its phase.
_PHASES = {
    "detected": "detection",
    "classified": "analysis",
    "identified": "analysis",
    "prioritized": "analysis",
    "actioned": "remediation",
    "mitigated": "remediation",
    "confirmed": "remediation",
    "verified": "verification",
    "resolved": "resolution",
}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the printed timeline."""

    t: float
    phase: str
    text: str


def timeline_entries(
    faults: Iterable[Any],
    transitions: Iterable[AlertTransition],
    incidents: Iterable[Mapping[str, Any]],
    audit: Iterable[Any],
) -> list[TimelineEntry]:
    """Merge the ground truth, alert changes, incident history and actions by time."""
    entries = [*_fault_entries(faults), *_alert_entries(transitions)]
    for incident in incidents:
        for step in incident.get("history", []):
            state = str(step["state"])
            note = f": {step['note']}" if step.get("note") else ""
            text = f"{incident['id']} {state}{note}"
            entries.append(
                TimelineEntry(float(step["timestamp"]), _PHASES.get(state, "incident"), text)
            )
    for record in audit:
        target = record.service + (f"/{record.pod}" if record.pod else "")
        detail = f" to {record.replicas}" if record.replicas else ""
        text = (
            f"{record.action_id} {record.kind} {target}{detail} [{record.status}] {record.reason}"
        )
        entries.append(TimelineEntry(float(record.submitted_at), "remediation", text))
    # A stable sort by time keeps each source's own order among simultaneous entries.
    return sorted(entries, key=lambda entry: entry.t)


def _fault_entries(faults: Iterable[Any]) -> list[TimelineEntry]:
    entries = []
    for fault in faults:
        params = ", ".join(f"{k}={v}" for k, v in sorted(fault.params.items()))
        target = fault.service + (f"/{fault.pod}" if fault.pod else "")
        text = f"{fault.id} {fault.kind} starts on {target} ({params})"
        entries.append(TimelineEntry(float(fault.start), "fault", text))
        if fault.end is not None:
            text = f"{fault.id} {fault.kind} ends ({fault.ended_by})"
            entries.append(TimelineEntry(float(fault.end), "fault", text))
    return entries


def _alert_entries(transitions: Iterable[AlertTransition]) -> list[TimelineEntry]:
    entries = []
    for change in transitions:
        labels = change.labels
        target = labels.get("service", "") + (f"/{labels['pod']}" if "pod" in labels else "")
        state = "resolved" if change.current is AlertState.INACTIVE else str(change.current)
        if change.current is AlertState.INACTIVE and change.previous is AlertState.PENDING:
            state = "cleared while pending"
        value = "" if change.current is AlertState.INACTIVE else f" (value {change.value:.4g})"
        text = f"{change.name} {state} on {target}{value}"
        entries.append(TimelineEntry(change.timestamp, "detection", text))
    return entries


def format_timeline(entries: Sequence[TimelineEntry], origin: datetime | None) -> str:
    """Render entries as aligned lines: offset, wall time, phase and what happened."""
    lines = []
    for entry in entries:
        offset = _clock(entry.t)
        wall = f"{(origin + timedelta(seconds=entry.t)):%H:%M:%S}  " if origin else ""
        lines.append(f"{offset}  {wall}{entry.phase:<12}  {entry.text}")
    return "\n".join(lines)


def format_scores(scores: Mapping[str, Any]) -> str:
    """Render the scores as a two-column table, durations also as minutes and seconds."""
    width = max(len(k) for k in scores) if scores else 0
    lines = []
    for key, value in scores.items():
        lines.append(f"{key:<{width}}  {_value(key, value)}")
    return "\n".join(lines)


def _value(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if key == "wall_seconds":
            return f"{value:.2f}"
        if key.endswith(("_s", "seconds")):
            return f"{value:.1f}  ({_clock(value)})"
        return f"{value:.3f}"
    return str(value)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
