"""The orchestrator: one DOS instance runs every stage on each evaluation.

``ingest`` stores a batch of telemetry: metrics into the series store, spans into the
call graph, error logs and change events into bounded windows, and effect events to the
remediator (they confirm actions). ``step(now)`` runs one evaluation: alert sources
(the rules, and any source added with :meth:`DOS.add_source`) -> alert handling ->
incidents -> RCA -> remediation -> verification -> resolution -> post-mortem, and then
the pages that alert handling's group timers call for. DOS never reads the wall clock;
``now`` comes from the caller, so the same code runs in simulated time and against a
real cluster.

An incident opens as soon as an alert fires (and is not muted); pages follow
Alertmanager's grouping and timers (``dos.alerting``) and carry the incident's
diagnosis when there is one. Escalations go out at once, keyed by incident.

An incident is classified once a whole rate window of data follows its first alert's
onset (at once for alerts with a ``for`` that long), so that RCA sees the anomaly in its
rates. An alert joining an open incident is new evidence: RCA runs again, and a more
confident, different diagnosis gets a new round of actions at once. A round not verified
within ``verify.timeout`` escalates, and (unless a guardrail stopped automation) the
next round is planned from a fresh diagnosis.

Every alert change, incident state, action and notification is a record on this object
(``transitions``, ``incidents``, ``audit``, ``notifications``): the incident timeline and
the scores are built from them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from dos.actions import Actuator
from dos.alerting import GroupNotification, MatcherSpec, Silence
from dos.alerts import AlertHandler, AlertSource, AlertStatus, TrackedAlert
from dos.config import DOSConfig
from dos.detect.alert import AlertTransition
from dos.detect.default_rules import default_rules
from dos.detect.detectors.stage import DetectorStage
from dos.detect.rulefile import load_rule_files
from dos.detect.rules import RuleEngine, RuleGroup
from dos.durations import format_duration, parse_duration
from dos.incidents import Diagnosis, Incident, IncidentBook, IncidentState
from dos.notify import (
    DeliveryStatus,
    MemoryNotifier,
    Notification,
    NotificationKind,
    NotificationRecord,
    Notifier,
    deliver,
    group_page,
)
from dos.postmortem import write_postmortem
from dos.promql import Engine
from dos.rca import (
    CallGraph,
    ChecklistAnalyzer,
    Impact,
    RCARequest,
    RootCauseAnalyzer,
    ServiceSignals,
)
from dos.remediation import AuditRecord, PlanRequest, Remediator, manual_steps
from dos.telemetry import Level, LogRecord, TelemetryBatch, TimelineEvent
from dos.tsdb import SeriesStore
from dos.verify import Verification, Verifier

__all__ = ["DOS"]

logger = logging.getLogger(__name__)

# How long DOS keeps error logs and change events: enough for verification's stable period
# and for RCA to look back past an alert's ``for`` to the changes before the onset.
_LOG_WINDOW = 1800.0
_EVENT_WINDOW = 7200.0
_MAX_LOGS = 100_000
_MAX_EVENTS = 20_000
_RANK = {Impact.LOW: 0, Impact.MEDIUM: 1, Impact.HIGH: 2}


@dataclass
class _Case:
    """The orchestrator's bookkeeping for one open incident."""

    verification: Verification | None = None
    deadline: float | None = None
    needs_round: bool = True
    handed_over: bool = False
    stale: bool = False
    """New evidence arrived (an alert joined, a round did not help): diagnose again."""
    force: bool = False
    """Take the next diagnosis whatever its confidence (the last round did not help)."""


class DOS:
    """Detect, diagnose, remediate, verify, resolve and write up incidents.

    ``rule_groups`` defaults to the configured default rules plus ``config.rule_files``;
    ``sources`` are more alert sources evaluated after the rules (detectors);
    ``time_origin`` (the wall-clock time of t = 0) puts UTC times in post-mortems;
    ``analyzer`` replaces the default :class:`~dos.rca.ChecklistAnalyzer`.
    """

    def __init__(
        self,
        config: DOSConfig,
        actuator: Actuator,
        *,
        notifier: Notifier | None = None,
        rule_groups: Sequence[RuleGroup] | None = None,
        sources: Sequence[AlertSource] = (),
        time_origin: datetime | None = None,
        analyzer: RootCauseAnalyzer | None = None,
        run_id: str = "",
    ) -> None:
        config.validate()
        self.config = config
        self.time_origin = time_origin
        self.run_id = run_id
        self.store = SeriesStore()
        self.engine = Engine(self.store, lookback_delta=parse_duration(config.lookback_delta))
        interval = parse_duration(config.eval_interval, "dos.eval_interval")
        if rule_groups is None:
            files = load_rule_files(config.rule_files, default_interval=interval)
            rule_groups = [default_rules(config), *files]
        self.rules = RuleEngine(list(rule_groups), self.engine)
        # The one seam between detection and alert handling: every source's transitions,
        # in this order, at each step.
        self.sources: list[AlertSource] = [self.rules, *sources]
        rate_window = parse_duration(config.rate_window, "dos.rate_window")
        # Baselines start at the first sample ingested (see ServiceSignals.window_before).
        self.signals = ServiceSignals(
            self.engine, config.namespace, rate_window, data_start=float("inf")
        )
        self.detectors: DetectorStage | None = None
        if config.detectors.enabled:
            stage = replace(
                config.detectors, namespace=config.namespace, step=config.eval_interval
            )
            self.detectors = DetectorStage(stage, self.signals)
            self.sources.append(self.detectors)
        self.graph = CallGraph()
        self.analyzer = analyzer or ChecklistAnalyzer.from_config(config, self.signals, self.graph)
        cpu = config.rules.get("cpu_high")
        self.verifier = Verifier(
            self.signals, config.verify, cpu_threshold=cpu.threshold if cpu else 85.0
        )
        self.remediator = Remediator(config.policy, actuator)
        self.notifier: Notifier = notifier if notifier is not None else MemoryNotifier()
        self.alerts = AlertHandler(config.alerting, notify=self._page, key="dos.alerting")
        self.book = IncidentBook()
        self.transitions: list[AlertTransition] = []
        self.notifications: list[NotificationRecord] = []
        self._automated = config.policy.name != "none"
        self._cases: dict[str, _Case] = {}
        self._postmortems: dict[str, str] = {}
        self._logs: deque[LogRecord] = deque(maxlen=_MAX_LOGS)
        self._events: deque[TimelineEvent] = deque(maxlen=_MAX_EVENTS)
        self._latest = float("-inf")

    # -- the records ---------------------------------------------------------------------

    @property
    def incidents(self) -> list[Incident]:
        """Every incident opened so far, oldest first."""
        return self.book.incidents

    @property
    def audit(self) -> list[AuditRecord]:
        """Every action decided so far, with what became of it."""
        return self.remediator.audit

    def postmortems(self) -> dict[str, str]:
        """Return each incident's post-mortem (a draft while it is still open), by id."""
        out = {}
        for incident in self.incidents:
            written = self._postmortems.get(incident.id)
            out[incident.id] = written if written is not None else self._write_up(incident)
        return out

    def add_source(self, source: AlertSource) -> None:
        """Evaluate ``source`` at every step after the current ones; its alerts are handled."""
        self.sources.append(source)

    def add_maintenance(
        self, target: Mapping[str, str] | str, start: float, end: float
    ) -> Silence:
        """Suppress alerts matching ``target`` (label equalities or a service) in a window."""
        return self.alerts.add_maintenance(target, start, end)

    def add_silence(
        self,
        matchers: MatcherSpec,
        starts_at: float,
        ends_at: float,
        *,
        created_by: str,
        comment: str,
    ) -> Silence:
        """Silence alerts matching ``matchers`` (``'{service="cart"}'``) in a time range."""
        return self.alerts.add_silence(
            matchers, starts_at, ends_at, created_by=created_by, comment=comment
        )

    def expire_silence(self, silence_id: str, now: float) -> Silence:
        """End silence ``silence_id`` at ``now``."""
        return self.alerts.expire_silence(silence_id, now)

    # -- the loop ------------------------------------------------------------------------

    def ingest(self, batch: TelemetryBatch) -> None:
        """Store ``batch``: metrics, the call graph, error logs, and change/effect events."""
        for scrape in batch.metrics:
            self.store.append(scrape)
            self._latest = max(self._latest, scrape.timestamp)
            self.signals.data_start = min(self.signals.data_start, scrape.timestamp)
        self.graph.observe(batch.spans)
        if self.detectors is not None:
            self.detectors.observe(batch)
        for log in batch.logs:
            if log.level == Level.ERROR:
                self._logs.append(log)
                self._latest = max(self._latest, log.timestamp)
        for event in batch.events:
            self._events.append(event)
            self._latest = max(self._latest, event.timestamp)
            self.remediator.observe(event)
        self._prune()

    def step(self, now: float) -> None:
        """Run one evaluation at ``now``: every stage, in the brief's order."""
        for record in self.remediator.settle():
            logger.info("%s %s", record.action_id, record.status, extra=self._ctx())
        changes = [change for source in self.sources for change in source.evaluate(now)]
        self.transitions.extend(changes)
        for alert in self.alerts.observe(changes, now):
            self._route(alert, now)
        for incident in self.book.open_incidents():
            self._progress(incident, now)
        # Pages go last, so that a page due now carries the diagnosis made now.
        self.alerts.flush(now)

    # -- incidents -----------------------------------------------------------------------

    def _route(self, alert: TrackedAlert, now: float) -> None:
        """Group a live alert into its service's open incident, or open one for it."""
        incident = self.book.open_for(alert.service)
        if incident is not None:
            incident.attach(alert)
            self._cases.setdefault(incident.id, _Case()).stale = True
            alert.move(AlertStatus.ACKNOWLEDGED, now, f"joined {incident.id}")
            if incident.state is not IncidentState.DETECTED:
                alert.move(AlertStatus.INVESTIGATING, now)
            if incident.first_action_at is not None:
                alert.move(AlertStatus.MITIGATING, now)
            return
        namespace = alert.labels.get("namespace") or self.config.namespace
        incident = self.book.open(alert, namespace, now)
        incident.acknowledged_at = now
        alert.move(AlertStatus.ACKNOWLEDGED, now, f"opened {incident.id}")
        self._cases[incident.id] = _Case()
        logger.info("%s opened for %s", incident.id, alert.name, extra=self._ctx(incident))

    def _progress(self, incident: Incident, now: float) -> None:
        """Take an open incident as far as it can go at ``now``."""
        case = self._cases.setdefault(incident.id, _Case())
        if incident.state is IncidentState.DETECTED:
            # RCA reads rates: give it one full rate window of data after the onset.
            if now < incident.first_alert_at + self.signals.rate_window:
                return
            self._classify(incident, case, now)
        elif case.stale:
            self._rediagnose(incident, case, now)
        if self._automated:
            self._remediate(incident, case, now)
        if self._verify(incident, case, now):
            return
        self._check_deadline(incident, case, now)

    def _classify(self, incident: Incident, case: _Case, now: float) -> None:
        """Run RCA, then identify and prioritise the incident (its pages will say so)."""
        case.stale = False  # alerts that joined while detected are part of this diagnosis
        self._diagnose(incident, now)
        assert incident.rca is not None  # set by _diagnose
        impact = incident.rca.impact.level
        incident.advance(IncidentState.IDENTIFIED, now, incident.diagnoses[-1].describe())
        incident.impact = impact
        incident.advance(IncidentState.PRIORITIZED, now, f"impact {impact}")
        for alert in incident.alerts:
            alert.move(AlertStatus.INVESTIGATING, now)
        if not self._automated:
            case.deadline = now + self.verifier.timeout

    def _diagnose(self, incident: Incident, now: float, *, force: bool = True) -> bool:
        """Run RCA and take its best candidate in; return whether the diagnosis changed.

        Unless ``force``d, a new answer less confident than the current one is dropped:
        alerts that join after a fix are mostly its aftermath (errors still in the rate
        window of a pod just replaced), not a better explanation.
        """
        result = self.analyzer.analyze(self._rca_request(incident), now)
        top, current = result.top, incident.rca.top if incident.rca is not None else None
        if (
            not force
            and current is not None
            and (top is None or top.confidence < current.confidence)
        ):
            return False
        incident.rca = result
        if top is not None and top.service == incident.service:
            incident.pod = top.pod
        where = f"{incident.service}/{incident.pod}" if incident.pod else incident.service
        incident.title = f"{top.cause if top is not None else 'unknown cause'} on {where}"
        incident.manual_steps = manual_steps(incident.service, top)
        if incident.impact is not None and _RANK[result.impact.level] > _RANK[incident.impact]:
            incident.impact = result.impact.level
        summary = incident.title
        if top is not None and top.service != incident.service:
            summary = f"{top.cause} on {top.service}" + (f"/{top.pod}" if top.pod else "")
        if incident.diagnoses and incident.diagnoses[-1].summary == summary:
            return False
        confidence = top.confidence if top is not None else None
        incident.diagnoses.append(Diagnosis(now, summary, confidence))
        logger.info("%s diagnosis: %s", incident.id, summary, extra=self._ctx(incident))
        return True

    def _rediagnose(self, incident: Incident, case: _Case, now: float) -> None:
        """Diagnose again on new evidence; a changed diagnosis gets a new round at once."""
        changed = self._diagnose(incident, now, force=case.force)
        case.stale = case.force = False
        if changed and self._automated and self.remediator.can_plan(incident.id):
            case.needs_round = True

    def _rca_request(self, incident: Incident) -> RCARequest:
        return RCARequest(
            namespace=incident.namespace,
            service=incident.service,
            onset=incident.first_alert_at,
            alert_names=tuple(a.name for a in incident.alerts),
            rules=tuple(a.labels["rule"] for a in incident.alerts if "rule" in a.labels),
            pods=tuple(a.labels["pod"] for a in incident.alerts if "pod" in a.labels),
            events=tuple(self._events),
        )

    # -- remediation ---------------------------------------------------------------------

    def _remediate(self, incident: Incident, case: _Case, now: float) -> None:
        """Start a round when one is due, then push its steps as far as they can go."""
        rem = self.remediator
        if case.needs_round and rem.can_plan(incident.id):
            self._start_round(incident, case, now)
        made = rem.advance(incident.id, incident.namespace, now)
        incident.action_ids.extend(r.action_id for r in made)
        self._note_actions(incident, [r for r in made if r.took_effect], now)
        self._note_confirmation(incident, now)
        stop = rem.stopped(incident.id)
        if stop and not case.handed_over:
            case.handed_over = True
            self._escalate(incident, now, stop)

    def _note_actions(self, incident: Incident, took: list[AuditRecord], now: float) -> None:
        """Enter Actioned (and Mitigating alerts) when the actuator accepted actions."""
        if not took or incident.state not in {IncidentState.PRIORITIZED, IncidentState.CONFIRMED}:
            return
        steps = ", ".join(f"{r.action_id} {r.kind}" for r in took)
        incident.advance(IncidentState.ACTIONED, now, steps)
        for alert in incident.alerts:
            if alert.status is AlertStatus.INVESTIGATING:
                alert.move(AlertStatus.MITIGATING, now)

    def _note_confirmation(self, incident: Incident, now: float) -> None:
        """Enter Confirmed once the round's accepted actions all took effect."""
        current = self.remediator.current_round(incident.id)
        if incident.state is not IncidentState.ACTIONED or current is None:
            return
        if current.finished and current.confirmed:
            done = ", ".join(r.action_id for r in current.records if r.took_effect)
            incident.advance(IncidentState.CONFIRMED, now, f"{done} took effect")

    def _start_round(self, incident: Incident, case: _Case, now: float) -> None:
        """Plan a round from the incident's current diagnosis."""
        top = incident.rca.top if incident.rca is not None else None
        target = top.service if top is not None else incident.service
        spec, _ = self.signals.with_namespace(incident.namespace).replicas(target, now)
        request = PlanRequest(
            namespace=incident.namespace,
            service=incident.service,
            candidate=top,
            rules=tuple(a.labels.get("rule") or a.name for a in incident.alerts),
            replicas=round(spec) if spec is not None else None,
        )
        self.remediator.start_round(incident.id, request, now)
        case.needs_round = False
        case.verification = None
        case.deadline = now + self.verifier.timeout

    # -- verification and resolution -----------------------------------------------------

    def _verify(self, incident: Incident, case: _Case, now: float) -> bool:
        """Check the fix; resolve the incident once it held. Return whether it resolved."""
        current = self.remediator.current_round(incident.id)
        if self._automated and (current is None or not current.finished):
            return False
        if case.verification is None:
            case.verification = self.verifier.start(
                incident.id, incident.namespace, incident.service, incident.first_alert_at, now
            )
        result = self.verifier.check(
            case.verification, now, alerts_cleared=incident.alerts_cleared, logs=self._logs
        )
        if not result.verified:
            return False
        incident.advance(IncidentState.VERIFIED, now, result.describe())
        held = format_duration(round(now - (result.healthy_since or now)))
        incident.advance(IncidentState.RESOLVED, now, f"healthy for {held}")
        for alert in incident.alerts:
            alert.move(AlertStatus.RESOLVED, now, f"{incident.id} resolved")
        if self._automated:
            self.remediator.close_round(incident.id, helped=True)
        self._postmortems[incident.id] = self._write_up(incident)
        self._cases.pop(incident.id, None)
        logger.info("%s resolved", incident.id, extra=self._ctx(incident))
        return True

    def _check_deadline(self, incident: Incident, case: _Case, now: float) -> None:
        """Escalate an incident not verified in time; let automation try another round."""
        if case.deadline is None or now < case.deadline:
            return
        last = case.verification.last if case.verification is not None else None
        if last is not None and last.healthy_since is not None:
            return  # a stable period is under way: let it finish (or break) first
        seen = last.describe() if last is not None else "verification not started"
        timeout = format_duration(round(self.verifier.timeout))
        reason = f"not verified within {timeout} ({seen})"
        current = self.remediator.current_round(incident.id)
        planned = current is not None and bool(current.records)
        if self._automated and current is not None:
            stop = self.remediator.close_round(incident.id, helped=False)
            reason = f"{reason}; {stop}" if stop else reason
        if not case.handed_over:
            self._escalate(incident, now, reason)
        case.handed_over = case.handed_over or bool(self.remediator.stopped(incident.id))
        case.needs_round = self._automated and planned and self.remediator.can_plan(incident.id)
        case.stale = case.force = case.needs_round
        case.deadline = None

    # -- helpers -------------------------------------------------------------------------

    def _escalate(self, incident: Incident, now: float, reason: str) -> None:
        incident.escalate(now, reason)
        logger.warning("%s escalated: %s", incident.id, reason, extra=self._ctx(incident))
        summary = f"{incident.id} needs a human: {incident.title}"
        self._notify(incident, NotificationKind.ESCALATION, now, summary, reason)

    def _notify(
        self, incident: Incident, kind: NotificationKind, now: float, summary: str, details: str
    ) -> None:
        note = Notification(
            now,
            kind,
            incident.id,
            incident.service,
            incident.severity,
            summary,
            details,
            dedup_key=incident.id,
        )
        self.notifications.append(deliver(self.notifier, note))

    def _page(self, group: GroupNotification) -> bool:
        """Deliver a group's notification, with its incidents; tell whether it went out."""
        ids = {self.alerts.incident_of(alert.fingerprint) for alert in group.alerts}
        note = group_page(group, [i for i in self.incidents if i.id in ids])
        record = deliver(self.notifier, note)
        self.notifications.append(record)
        return record.status is DeliveryStatus.SENT

    def _write_up(self, incident: Incident) -> str:
        return write_postmortem(
            incident,
            audit=self.audit,
            notifications=self.notifications,
            time_origin=self.time_origin,
        )

    def _prune(self) -> None:
        """Drop logs and events older than their windows (relative to the newest seen)."""
        while self._logs and self._logs[0].timestamp < self._latest - _LOG_WINDOW:
            self._logs.popleft()
        while self._events and self._events[0].timestamp < self._latest - _EVENT_WINDOW:
            self._events.popleft()

    def _ctx(self, incident: Incident | None = None) -> dict[str, str]:
        """Run context for log records."""
        ctx = {"run_id": self.run_id}
        if incident is not None:
            ctx.update(incident_id=incident.id, service=incident.service)
        return ctx
