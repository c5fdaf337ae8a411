"""Post-mortems: one Markdown document per incident, built from DOS's own records.

The document holds a summary, the timeline (alerts, incident states, actions,
notifications, escalations), the root cause with its evidence, the impact, the actions
and their results, detection and resolution times as DOS saw them, the manual steps
left for people and follow-ups (runbook and threshold changes). Times are seconds on
DOS's clock and, given a time origin, UTC date-times too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dos.durations import format_duration
from dos.incidents import Incident
from dos.notify import NotificationRecord
from dos.remediation import AuditRecord, AuditStatus

__all__ = ["write_postmortem"]

# An alert that took longer than this from pending to firing earns a threshold review.
_SLOW_TO_FIRE = 120.0


def write_postmortem(
    incident: Incident,
    *,
    audit: Sequence[AuditRecord] = (),
    notifications: Sequence[NotificationRecord] = (),
    time_origin: datetime | None = None,
) -> str:
    """Return ``incident``'s post-mortem as Markdown.

    ``audit`` and ``notifications`` may hold other incidents' records too; only this
    incident's are used.
    """
    actions = [r for r in audit if r.incident_id == incident.id]
    notes = [n for n in notifications if n.notification.incident_id == incident.id]
    clock = _Clock(time_origin)
    sections = [
        _header(incident, clock),
        _summary(incident, actions, clock),
        _timeline(incident, actions, notes, clock),
        _root_cause(incident),
        _impact(incident),
        _actions(actions, clock),
        _times(incident),
        _manual_steps(incident),
        _follow_ups(incident, actions),
    ]
    return "\n\n".join(sections) + "\n"


class _Clock:
    """Write DOS times as seconds and, with an origin, as UTC date-times."""

    def __init__(self, origin: datetime | None) -> None:
        if origin is not None and origin.tzinfo is None:
            origin = origin.replace(tzinfo=UTC)
        self.origin = origin

    def __call__(self, t: float | None) -> str:
        if t is None:
            return "-"
        if self.origin is None:
            return f"{t:.0f} s"
        wall = (self.origin + timedelta(seconds=t)).astimezone(UTC)
        return f"{t:.0f} s ({wall:%Y-%m-%d %H:%M:%S} UTC)"


def _header(incident: Incident, clock: _Clock) -> str:
    target = f"{incident.service}/{incident.pod}" if incident.pod else incident.service
    impact = str(incident.impact).capitalize() if incident.impact else "not assessed"
    return "\n".join(
        [
            f"# Post-mortem {incident.id}: {incident.title}",
            "",
            f"- Service: {target} (namespace {incident.namespace})",
            f"- Severity: {incident.severity}; impact: {impact}",
            f"- State: {incident.state}",
            f"- Opened: {clock(incident.opened_at)}; resolved: {clock(incident.resolved_at)}",
        ]
    )


def _summary(incident: Incident, actions: Sequence[AuditRecord], clock: _Clock) -> str:
    names = ", ".join(sorted({a.name for a in incident.alerts}))
    top = incident.rca.top if incident.rca else None
    if top is not None:
        where = f"{top.service}/{top.pod}" if top.pod else top.service
        diagnosis = f"DOS diagnosed {top.cause} on {where} (confidence {top.confidence:.2f})"
    else:
        diagnosis = "DOS made no diagnosis"
    took = sum(1 for a in actions if a.took_effect)
    done = f"took {took} action(s)" if took else "took no action"
    if incident.resolved_at is not None:
        end = f"verified the fix and resolved the incident at {clock(incident.resolved_at)}"
    else:
        end = "the incident is still open"
    text = f"{names} fired on {incident.service}. {diagnosis}, {done}; {end}."
    return f"## Summary\n\n{text}"


def _timeline(
    incident: Incident,
    actions: Sequence[AuditRecord],
    notes: Sequence[NotificationRecord],
    clock: _Clock,
) -> str:
    rows: list[tuple[float, str]] = []
    for alert in incident.alerts:
        target = alert.labels.get("pod") or alert.service
        rows.append((alert.pending_at, f"{alert.name} pending on {target}"))
        rows.append((alert.fired_at, f"{alert.name} firing on {target} (value {alert.value:.4g})"))
        if alert.cleared_at is not None:
            rows.append((alert.cleared_at, f"{alert.name} on {target} stopped firing"))
    for entry in incident.history:
        note = f": {entry.note}" if entry.note else ""
        rows.append((entry.timestamp, f"incident {entry.state}{note}"))
    for record in actions:
        rows.append((record.submitted_at, f"{_describe(record)} [{_result(record)}]"))
        if record.confirmed_at is not None:
            rows.append((record.confirmed_at, f"{record.action_id} confirmed"))
    for sent in notes:
        n = sent.notification
        rows.append((n.timestamp, f"{n.kind} notification ({sent.status}): {n.summary}"))
    for diagnosis in incident.diagnoses[1:]:  # the first is the Identified state's note
        rows.append((diagnosis.timestamp, f"diagnosis revised: {diagnosis.describe()}"))
    for escalation in incident.escalations:
        rows.append((escalation.timestamp, f"escalated to a human: {escalation.reason}"))
    rows.sort(key=lambda row: row[0])
    lines = ["## Timeline", "", "| time | event |", "|---|---|"]
    lines.extend(f"| {clock(t)} | {_cell(text)} |" for t, text in rows)
    return "\n".join(lines)


def _root_cause(incident: Incident) -> str:
    lines = ["## Root cause", ""]
    if incident.rca is None or not incident.rca.candidates:
        lines.append("No analysis ran.")
        return "\n".join(lines)
    top, *others = incident.rca.candidates
    where = f"{top.service}/{top.pod}" if top.pod else top.service
    lines.append(f"{top.cause} on {where} (confidence {top.confidence:.2f}). Evidence:")
    lines.append("")
    lines.extend(f"- {item}" for item in top.evidence)
    if others:
        lines.extend(["", "Other candidates:", ""])
        lines.extend(
            f"- {c.cause} on {c.service}{'/' + c.pod if c.pod else ''} ({c.confidence:.2f})"
            for c in others
        )
    return "\n".join(lines)


def _impact(incident: Incident) -> str:
    lines = ["## Impact", ""]
    if incident.rca is None:
        lines.append("Not assessed.")
        return "\n".join(lines)
    impact = incident.rca.impact
    ratio = impact.user_facing_error_ratio
    before = impact.baseline_user_facing_error_ratio
    lines.append(f"- Level: {str(impact.level).capitalize()} ({'; '.join(impact.reasons)})")
    lines.append(f"- Affected services: {', '.join(impact.affected_services)}")
    lines.append(f"- User-facing error ratio: {_percent(ratio)} (before: {_percent(before)})")
    return "\n".join(lines)


def _actions(actions: Sequence[AuditRecord], clock: _Clock) -> str:
    lines = ["## Actions", ""]
    if not actions:
        lines.append("None.")
        return "\n".join(lines)
    lines.extend(
        ["| id | action | submitted | result | confirmed | why |", "|---|---|---|---|---|---|"]
    )
    for r in actions:
        lines.append(
            f"| {r.action_id} | {_cell(_describe(r, with_id=False))} | {clock(r.submitted_at)} | "
            f"{_cell(_result(r))} | {clock(r.confirmed_at)} | {_cell(r.reason)} |"
        )
    return "\n".join(lines)


def _times(incident: Incident) -> str:
    """Detection and resolution times as DOS saw them, from the first pending alert."""
    start = incident.first_alert_at
    fired = min((a.fired_at for a in incident.alerts), default=None)
    rows = [
        ("Time to detect (first alert pending to firing)", fired),
        ("Time to first action", incident.first_action_at),
        ("Time to mitigate (actions confirmed)", incident.mitigated_at),
        ("Time to verify", incident.verified_at),
        ("Time to resolve (MTTR as DOS saw it)", incident.resolved_at),
    ]
    lines = ["## Detection and resolution times", ""]
    for label, t in rows:
        value = format_duration(round(t - start)) if t is not None else "-"
        lines.append(f"- {label}: {value}")
    return "\n".join(lines)


def _manual_steps(incident: Incident) -> str:
    lines = ["## Manual steps", ""]
    lines.extend(f"- [ ] {step}" for step in incident.manual_steps)
    if not incident.manual_steps:
        lines.append("None.")
    return "\n".join(lines)


def _follow_ups(incident: Incident, actions: Sequence[AuditRecord]) -> str:
    items = []
    top = incident.rca.top if incident.rca else None
    if top is not None:
        kinds = ", ".join(str(a.kind) for a in actions if a.took_effect) or "no action"
        items.append(f"Update the runbook for {top.cause} on {top.service} (DOS took: {kinds}).")
    for alert in incident.alerts:
        delay = alert.fired_at - alert.pending_at
        if delay >= _SLOW_TO_FIRE:
            items.append(
                f"{alert.name} took {format_duration(round(delay))} to fire; "
                "consider a shorter `for`."
            )
    for r in actions:
        if r.status is AuditStatus.BLOCKED:
            items.append(f"Guardrail `{r.guardrail}` blocked {_describe(r)}: {r.message}.")
    items.extend(f"Review why automation escalated: {e.reason}." for e in incident.escalations)
    if not any(a.took_effect for a in actions):
        items.append(f"No automatic action ran; decide whether {incident.service} needs one.")
    return "\n".join(["## Follow-ups", "", *(f"- {item}" for item in items)])


def _describe(record: AuditRecord, *, with_id: bool = True) -> str:
    target = f"{record.service}/{record.pod}" if record.pod else record.service
    replicas = f" to {record.replicas} replicas" if record.replicas is not None else ""
    head = f"{record.action_id} " if with_id else ""
    return f"{head}{record.kind} {target}{replicas}"


def _result(record: AuditRecord) -> str:
    return f"{record.status}: {record.message}" if record.message else str(record.status)


def _percent(ratio: float | None) -> str:
    return f"{100 * ratio:.2f}%" if ratio is not None else "unknown"


def _cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
