from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from dos.actions import Action, ActionKind, ActionResult, ActionStatus
from dos.alerts import AlertStatus
from dos.config import AlertingConfig, DOSConfig, GuardrailsConfig, PolicyConfig, SilenceConfig
from dos.core import DOS
from dos.detect.alert import AlertState, AlertTransition
from dos.detect.rules import AlertingRule, RuleGroup
from dos.incidents import IncidentState
from dos.notify import MemoryNotifier, NotificationKind
from dos.rca import Candidate, Cause, Impact, ImpactAssessment, RCARequest, RCAResult
from dos.remediation import AuditStatus
from dos.telemetry import (
    STALE_NAN,
    EventKind,
    Labels,
    MetricScrape,
    Span,
    TelemetryBatch,
    TimelineEvent,
    labels_of,
)

NS = "shop"
STRESS_AT = 600.0  # frontend-2 is pegged at its CPU limit from here on
STARTUP = 30.0  # a new pod is ready this long after it starts
LATENCY = 5.0  # an accepted action takes effect this long after it is submitted


@dataclass
class Pod:
    service: str
    name: str
    cpu: float  # share of the pod's 0.5-core limit
    started: float
    drained: bool = False
    cpu_seconds: float = 0.0
    requests: float = 0.0

    def ready(self, t: float) -> bool:
        return t >= self.started + STARTUP or self.started <= 0.0


class Shop:
    """Two services scraped every 15 s; DOS's actions change it (it is DOS's actuator).

    ``answer`` decides how the control plane answers each action; ``stress_ends`` calms the
    stressed pod on its own.
    """

    def __init__(self, answer: ActionStatus = ActionStatus.ACCEPTED) -> None:
        self.answer = answer
        self.stress_ends = float("inf")
        self.pods = [Pod("frontend", f"frontend-{i}", 0.35, 0.0) for i in (1, 2, 3)]
        self.pods.append(Pod("cart", "cart-1", 0.3, 0.0))
        self.spec = {"frontend": 3, "cart": 1}
        self.submitted: list[Action] = []
        self.due: list[tuple[float, Callable[[float], None]]] = []
        self.events: list[TimelineEvent] = []
        self.gone: list[Pod] = []
        self.serial = 3
        self.event(250.0, EventKind.CONFIG_CHANGE, "cart", None, "cart feature flag")

    # -- the actuator DOS drives ---------------------------------------------------------

    def submit(self, action: Action, now: float) -> ActionResult:
        self.submitted.append(action)
        if action.kind is ActionKind.ROLLBACK:  # like a deployment with one revision
            return ActionResult(action, ActionStatus.REJECTED, now, "no previous revision")
        if self.answer is ActionStatus.ACCEPTED:
            self.due.append((now + LATENCY, lambda t: self.apply(action, t)))
        return ActionResult(action, self.answer, now, str(self.answer))

    def apply(self, action: Action, t: float) -> None:
        tag = {"action_id": action.id}
        if action.kind is ActionKind.SCALE:
            assert action.replicas is not None
            self.spec[action.service] = action.replicas
            self.event(t, EventKind.SCALING, action.service, None, "scaled up", tag)
            for _ in range(action.replicas - len(self.live(action.service))):
                self.start_pod(action.service, t, tag)
        elif action.kind is ActionKind.DRAIN:
            self.find(action.pod).drained = True
            self.event(t, EventKind.DRAINED, action.service, action.pod, "drained", tag)
        elif action.kind is ActionKind.DELETE_POD:
            pod = self.find(action.pod)
            self.pods.remove(pod)
            self.gone.append(pod)
            self.event(t, EventKind.POD_DELETED, action.service, action.pod, "killing", tag)
            self.start_pod(action.service, t, tag)

    # -- the cluster ---------------------------------------------------------------------

    def live(self, service: str) -> list[Pod]:
        return [p for p in self.pods if p.service == service]

    def find(self, name: str | None) -> Pod:
        return next(p for p in self.pods if p.name == name)

    def start_pod(self, service: str, t: float, tag: dict[str, str]) -> None:
        self.serial += 1
        pod = Pod(service, f"{service}-{self.serial}", 0.35, t)
        self.pods.append(pod)
        self.event(t, EventKind.POD_CREATED, service, pod.name, "started", tag)

        def ready(at: float) -> None:
            self.event(at, EventKind.POD_READY, service, pod.name, "ready", tag)

        self.due.append((t + STARTUP, ready))

    def event(
        self,
        t: float,
        kind: EventKind,
        service: str,
        pod: str | None,
        message: str,
        attributes: dict[str, str] | None = None,
    ) -> None:
        self.events.append(
            TimelineEvent(t, kind, NS, service, pod, str(kind), message, attributes or {})
        )

    def poll(self, t: float) -> TelemetryBatch:
        """Advance to ``t`` (one scrape interval) and return what happened."""
        for due, effect in sorted(self.due, key=lambda d: d[0]):
            if due <= t:
                effect(due)
        self.due = [(due, effect) for due, effect in self.due if due > t]
        for pod in self.pods:
            if pod.name == "frontend-2" and STRESS_AT <= t < self.stress_ends:
                pod.cpu = 1.0
            elif pod.name == "frontend-2":
                pod.cpu = 0.35
            pod.cpu_seconds += 0.5 * pod.cpu * 15.0
            serving = pod.ready(t) and not pod.drained
            pod.requests += (10.0 if serving else 0.0) * 15.0
        events = [e for e in self.events if e.timestamp <= t]
        self.events = [e for e in self.events if e.timestamp > t]
        spans = [
            Span(f"t{t}", f"s{t}", None, "frontend", "GET /cart", t, 0.05, "OK"),
            Span(f"t{t}", f"c{t}", f"s{t}", "cart", "GetCart", t, 0.01, "OK"),
        ]
        return TelemetryBatch(metrics=[self.scrape(t)], spans=spans, events=events)

    def scrape(self, t: float) -> MetricScrape:
        series: list[Labels] = []
        values: list[float] = []
        for pod in self.pods:
            for labels, value in self.pod_series(pod, t):
                series.append(labels)
                values.append(value)
        for pod in self.gone:  # a target that disappeared gets stale markers, once
            for labels, _ in self.pod_series(pod, t):
                series.append(labels)
                values.append(STALE_NAN)
        self.gone = []
        for service, replicas in self.spec.items():
            deployment = {"namespace": NS, "deployment": service}
            available = sum(p.ready(t) and not p.drained for p in self.live(service))
            series += [
                labels_of("kube_deployment_spec_replicas", deployment),
                labels_of("kube_deployment_status_replicas_available", deployment),
            ]
            values += [float(replicas), float(available)]
        return MetricScrape(t, series, np.array(values))

    def pod_series(self, pod: Pod, t: float) -> list[tuple[Labels, float]]:
        container = {
            "namespace": NS,
            "service": pod.service,
            "pod": pod.name,
            "container": pod.service,
        }
        app = {"namespace": NS, "service": pod.service, "pod": pod.name}
        return [
            (labels_of("container_cpu_usage_seconds_total", container), pod.cpu_seconds),
            (labels_of("kube_pod_container_resource_limits", container, resource="cpu"), 0.5),
            (labels_of("kube_pod_container_resource_limits", container, resource="memory"), 5e8),
            (labels_of("container_memory_working_set_bytes", container), 2e8),
            (labels_of("http_requests_total", app, code="200"), pod.requests),
            (labels_of("http_request_duration_seconds_bucket", app, le="0.1"), pod.requests),
            (labels_of("http_request_duration_seconds_bucket", app, le="+Inf"), pod.requests),
            (labels_of("up", job=pod.service, instance=f"{pod.name}:8080"), float(pod.ready(t))),
        ]


def run(dos: DOS, shop: Shop, until: float) -> None:
    for t in np.arange(15.0, until + 1.0, 15.0):
        dos.ingest(shop.poll(float(t)))
        dos.step(float(t))


def make_dos(
    shop: Shop,
    notifier: MemoryNotifier | None = None,
    *,
    dos: dict[str, Any] | None = None,
    **policy: Any,
) -> DOS:
    config = DOSConfig(namespace=NS, policy=PolicyConfig(**policy))
    origin = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    return DOS(config, shop, notifier=notifier, time_origin=origin, run_id="test", **(dos or {}))


class Scripted:
    """An analyzer that answers from a script: cause and confidence, one per call."""

    def __init__(self, *answers: tuple[Cause, float]) -> None:
        self.answers = list(answers)
        self.calls: list[float] = []

    def analyze(self, request: RCARequest, now: float) -> RCAResult:
        self.calls.append(now)
        cause, confidence = self.answers[min(len(self.calls), len(self.answers)) - 1]
        pod = "frontend-2" if cause is Cause.CPU_SATURATION else None
        top = Candidate(request.service, pod, cause, confidence, ("scripted",))
        impact = ImpactAssessment(Impact.MEDIUM, (request.service,), None, None, False)
        return RCAResult(now, (top,), impact)


def cpu_rule(name: str, threshold: int, hold: float) -> AlertingRule:
    by = "sum by (namespace, service, pod)"
    expr = (
        f"{by} (rate(container_cpu_usage_seconds_total[1m])) "
        f'/ {by} (kube_pod_container_resource_limits{{resource="cpu"}}) * 100 > {threshold}'
    )
    return AlertingRule(name, expr, for_=hold, labels={"severity": "warning"})


@pytest.fixture(scope="module")
def story() -> tuple[DOS, Shop, MemoryNotifier]:
    """The CPU-saturation walkthrough under the auto policy, run once for several tests."""
    shop = Shop()
    notifier = MemoryNotifier()
    dos = make_dos(shop, notifier)
    run(dos, shop, 2400.0)
    return dos, shop, notifier


def test_the_cpu_alert_fires_after_five_minutes_of_saturation(
    story: tuple[DOS, Shop, MemoryNotifier],
) -> None:
    dos, _, _ = story
    cpu = [c for c in dos.transitions if c.name == "CPUHigh"]
    assert [(c.current, c.labels["pod"]) for c in cpu[:2]] == [
        (AlertState.PENDING, "frontend-2"),
        (AlertState.FIRING, "frontend-2"),
    ]
    assert cpu[1].timestamp - cpu[0].timestamp == 300.0
    assert cpu[-1].current is AlertState.INACTIVE


def test_one_incident_names_frontend_its_pod_and_cpu_saturation(
    story: tuple[DOS, Shop, MemoryNotifier],
) -> None:
    dos, _, _ = story
    assert len(dos.incidents) == 1
    incident = dos.incidents[0]
    assert (incident.id, incident.service, incident.pod) == ("INC-0001", "frontend", "frontend-2")
    assert incident.rca is not None
    top = incident.rca.top
    assert top is not None
    assert (top.service, top.pod, top.cause) == ("frontend", "frontend-2", Cause.CPU_SATURATION)
    assert top.evidence[0] == "CPU saturation, no recent deployment, no traffic spike"
    assert incident.impact == "high"
    assert incident.manual_steps[:2] == [
        "Review recent deployments of frontend",
        "Check for memory leaks in frontend",
    ]


def test_the_three_actions_go_out_in_order_within_the_guardrails(
    story: tuple[DOS, Shop, MemoryNotifier],
) -> None:
    dos, shop, _ = story
    records = dos.audit
    assert [(r.action_id, r.kind, r.pod, r.replicas) for r in records] == [
        ("a1", ActionKind.SCALE, None, 4),
        ("a2", ActionKind.DRAIN, "frontend-2", None),
        ("a3", ActionKind.DELETE_POD, "frontend-2", None),
    ]
    assert [a.id for a in shop.submitted] == ["a1", "a2", "a3"]
    assert all(r.status is AuditStatus.CONFIRMED for r in records)
    assert all(r.actor == "dos" and r.incident_id == "INC-0001" for r in records)
    times = [r.submitted_at for r in records]
    assert times == sorted(times)
    # Each step waited for the previous one's effect: the new pod was ready before the drain.
    scaled = records[0].confirmed_at
    assert scaled is not None
    assert records[1].submitted_at >= scaled >= records[0].submitted_at + STARTUP
    guardrails = GuardrailsConfig()
    assert len(records) <= guardrails.max_actions_per_incident
    assert max(r.replicas or 0 for r in records) <= guardrails.max_replicas
    assert dos.incidents[0].action_ids == ["a1", "a2", "a3"]


def test_the_incident_is_verified_resolved_and_written_up(
    story: tuple[DOS, Shop, MemoryNotifier],
) -> None:
    dos, _, notifier = story
    incident = dos.incidents[0]
    assert [h.state for h in incident.history] == [
        IncidentState.DETECTED,
        IncidentState.IDENTIFIED,
        IncidentState.PRIORITIZED,
        IncidentState.ACTIONED,
        IncidentState.CONFIRMED,
        IncidentState.VERIFIED,
        IncidentState.RESOLVED,
    ]
    assert incident.resolved_at is not None
    assert incident.verified_at == incident.resolved_at
    assert incident.mitigated_at is not None
    assert incident.resolved_at - incident.mitigated_at >= 120.0
    assert incident.escalations == []
    assert [a.status for a in incident.alerts] == [AlertStatus.RESOLVED]
    assert [n.kind for n in notifier.sent] == [NotificationKind.PAGE, NotificationKind.RESOLVED]
    text = dos.postmortems()["INC-0001"]
    assert text.startswith("# Post-mortem INC-0001: cpu_saturation on frontend/frontend-2")
    assert "2024-05-01 09:" in text
    assert "- CPUHigh took 5m to fire; consider a shorter `for`." in text


def test_the_group_is_paged_after_its_wait_with_the_diagnosis_and_resolved_once(
    story: tuple[DOS, Shop, MemoryNotifier],
) -> None:
    dos, _, notifier = story
    page, resolved = notifier.sent
    (alert,) = dos.incidents[0].alerts
    assert page.timestamp == alert.fired_at + 30.0  # the default group_wait
    assert page.summary == (
        "[FIRING:1] CPUHigh shop frontend - "
        "INC-0001 [high impact] cpu_saturation on frontend/frontend-2"
    )
    assert page.details.startswith("INC-0001: CPU saturation, no recent deployment")
    assert (page.incident_id, page.receiver) == ("INC-0001", "dos")
    assert page.group_key == '{}:{alertname="CPUHigh", namespace="shop", service="frontend"}'
    # One page per group: the resolved notification closes the page it opened.
    assert resolved.dedup_key == page.dedup_key
    assert len(page.dedup_key) == 64
    (gone,) = resolved.alerts
    assert gone.ends_at == alert.cleared_at
    assert gone.ends_at is not None
    assert gone.ends_at > gone.starts_at == alert.fired_at
    # The first flush after the alert cleared, on the 5-minute group interval.
    assert resolved.timestamp == page.timestamp + 300.0 > gone.ends_at
    assert [r.to_dict()["dedup_key"] for r in dos.notifications] == [page.dedup_key] * 2


def test_the_none_policy_only_watches_and_resolves_when_the_cause_goes() -> None:
    shop = Shop()
    shop.stress_ends = 1500.0
    dos = make_dos(shop, name="none")
    run(dos, shop, 2100.0)
    incident = dos.incidents[0]
    assert shop.submitted == []
    assert dos.audit == []
    states = [h.state for h in incident.history]
    assert states == [
        IncidentState.DETECTED,
        IncidentState.IDENTIFIED,
        IncidentState.PRIORITIZED,
        IncidentState.VERIFIED,
        IncidentState.RESOLVED,
    ]
    assert incident.rca is not None
    assert incident.first_action_at is None


def test_a_maintenance_window_suppresses_the_incident_and_the_page() -> None:
    shop = Shop()
    notifier = MemoryNotifier()
    dos = make_dos(shop, notifier)
    dos.add_maintenance("frontend", 0.0, 1200.0)
    run(dos, shop, 1140.0)
    assert dos.incidents == []
    assert notifier.sent == []
    assert [a.status for a in dos.alerts.alerts] == [AlertStatus.SUPPRESSED]


def test_dry_run_records_the_plan_and_escalates_when_nothing_changes() -> None:
    shop = Shop()
    dos = make_dos(shop, guardrails=GuardrailsConfig(dry_run=True, max_actions_per_incident=3))
    run(dos, shop, 2100.0)
    assert shop.submitted == []
    assert [(r.kind, r.status) for r in dos.audit] == [
        (ActionKind.SCALE, AuditStatus.DRY_RUN),
        (ActionKind.DRAIN, AuditStatus.DRY_RUN),
        (ActionKind.DELETE_POD, AuditStatus.DRY_RUN),
    ]
    incident = dos.incidents[0]
    assert incident.is_open
    assert incident.state is IncidentState.PRIORITIZED
    assert len(incident.escalations) == 1
    assert incident.escalations[0].reason.startswith("not verified within 15m (")
    assert "action budget spent" in incident.escalations[0].reason


def test_a_failing_control_plane_trips_the_breaker_and_pages_a_human() -> None:
    shop = Shop(answer=ActionStatus.FAILED)
    notifier = MemoryNotifier()
    dos = make_dos(shop, notifier, guardrails=GuardrailsConfig(max_failed_in_row=1))
    run(dos, shop, 1500.0)
    assert [(r.kind, r.status) for r in dos.audit] == [(ActionKind.SCALE, AuditStatus.FAILED)]
    incident = dos.incidents[0]
    assert incident.escalations[0].reason.startswith("circuit breaker: 1 actions in a row")
    # The escalation goes out at once, keyed by incident; the group's page after its wait.
    escalation, page = notifier.sent
    assert (escalation.kind, escalation.dedup_key) == (NotificationKind.ESCALATION, "INC-0001")
    assert (page.kind, page.incident_id) == (NotificationKind.PAGE, "INC-0001")
    assert page.timestamp == escalation.timestamp + 30.0
    assert incident.state is IncidentState.PRIORITIZED


def test_a_round_that_did_not_help_escalates_and_the_next_uses_a_fresh_diagnosis() -> None:
    shop = Shop()
    analyzer = Scripted((Cause.BAD_DEPLOY, 0.6), (Cause.CPU_SATURATION, 0.9))
    dos = make_dos(
        shop, dos={"analyzer": analyzer}, guardrails=GuardrailsConfig(max_failed_in_row=3)
    )
    run(dos, shop, 2700.0)
    incident = dos.incidents[0]
    assert [(r.kind, r.status, r.round) for r in dos.audit] == [
        (ActionKind.ROLLBACK, AuditStatus.REJECTED, 1),
        (ActionKind.SCALE, AuditStatus.CONFIRMED, 2),
        (ActionKind.DRAIN, AuditStatus.CONFIRMED, 2),
        (ActionKind.DELETE_POD, AuditStatus.CONFIRMED, 2),
    ]
    escalation = incident.escalations[0]
    assert escalation.timestamp == analyzer.calls[0] + 900.0
    assert escalation.reason.startswith("not verified within 15m (alerts: still firing")
    assert dos.audit[1].submitted_at == analyzer.calls[1] == escalation.timestamp + 15.0
    assert [d.summary for d in incident.diagnoses] == [
        "bad_deploy on frontend",
        "cpu_saturation on frontend/frontend-2",
    ]
    assert incident.state is IncidentState.RESOLVED
    assert (
        "diagnosis revised: cpu_saturation on frontend/frontend-2"
        in dos.postmortems()[incident.id]
    )


def test_a_joining_alert_with_a_surer_diagnosis_gets_a_new_round_at_once() -> None:
    shop = Shop()
    analyzer = Scripted((Cause.BAD_DEPLOY, 0.6), (Cause.CPU_SATURATION, 0.9))
    rules = [
        RuleGroup("test", 15.0, [cpu_rule("CPUWarm", 80, 0.0), cpu_rule("CPUHot", 95, 120.0)])
    ]
    dos = make_dos(shop, dos={"analyzer": analyzer, "rule_groups": rules})
    run(dos, shop, 1200.0)
    incident = dos.incidents[0]
    assert [a.name for a in incident.alerts] == ["CPUWarm", "CPUHot"]
    hot = incident.alerts[1]
    assert analyzer.calls[1] == hot.fired_at
    assert [(r.kind, r.submitted_at) for r in dos.audit[1:2]] == [(ActionKind.SCALE, hot.fired_at)]
    assert incident.escalations == []
    assert incident.state is IncidentState.RESOLVED


def test_a_joining_alert_with_a_weaker_diagnosis_keeps_the_current_one() -> None:
    shop = Shop()
    analyzer = Scripted((Cause.CPU_SATURATION, 0.9), (Cause.ERRORS, 0.5))
    rules = [RuleGroup("test", 15.0, [cpu_rule("CPUWarm", 80, 0.0), cpu_rule("CPUHot", 95, 90.0)])]
    dos = make_dos(shop, dos={"analyzer": analyzer, "rule_groups": rules})
    run(dos, shop, 1200.0)
    incident = dos.incidents[0]
    assert len(analyzer.calls) == 2
    assert [d.summary for d in incident.diagnoses] == ["cpu_saturation on frontend/frontend-2"]
    assert [r.kind for r in dos.audit] == [
        ActionKind.SCALE,
        ActionKind.DRAIN,
        ActionKind.DELETE_POD,
    ]


def test_a_stable_period_under_way_at_the_deadline_is_let_finish() -> None:
    shop = Shop()
    shop.stress_ends = 1740.0
    dos = make_dos(shop, name="none")
    run(dos, shop, 2400.0)
    incident = dos.incidents[0]
    assert incident.classified_at is not None
    assert incident.resolved_at is not None
    assert incident.resolved_at > incident.classified_at + 900.0  # past the 15 m deadline
    assert incident.escalations == []


class OneAlert:
    """An alert source (as a detector stage is one) firing one alert from ``at`` on."""

    def __init__(self, labels: dict[str, str], at: float) -> None:
        self.labels = labels
        self.at = at

    def evaluate(self, now: float) -> list[AlertTransition]:
        if now != self.at:
            return []
        return [AlertTransition(now, self.labels, AlertState.INACTIVE, AlertState.FIRING, 1.0)]


def test_an_added_alert_source_is_handled_like_the_rules() -> None:
    shop = Shop()
    labels = {"alertname": "MetricAnomaly", "namespace": NS, "service": "cart"}
    dos = make_dos(shop, name="none")
    dos.add_source(OneAlert(labels, 300.0))
    run(dos, shop, 600.0)
    (incident,) = dos.incidents
    assert (incident.service, incident.opened_at) == ("cart", 300.0)
    assert [a.name for a in incident.alerts] == ["MetricAnomaly"]
    assert dos.transitions[0].name == "MetricAnomaly"


def test_a_silence_in_the_config_suppresses_until_an_operator_expires_it() -> None:
    shop = Shop()
    window = SilenceConfig(matchers=['service="frontend"'], ends_at="2h", created_by="ops")
    config = DOSConfig(namespace=NS, alerting=AlertingConfig(silences=[window]))
    notifier = MemoryNotifier()
    dos = DOS(config, shop, notifier=notifier)
    run(dos, shop, 1200.0)
    assert dos.incidents == []
    assert notifier.sent == []
    (alert,) = dos.alerts.alerts
    assert alert.status is AlertStatus.SUPPRESSED
    dos.expire_silence("silence-0001", 1200.0)
    for t in np.arange(1215.0, 1300.0, 15.0):
        dos.ingest(shop.poll(float(t)))
        dos.step(float(t))
    (incident,) = dos.incidents
    assert incident.opened_at == 1215.0
    assert [h.status for h in alert.history][:4] == [
        AlertStatus.FIRING,
        AlertStatus.SUPPRESSED,
        AlertStatus.FIRING,
        AlertStatus.ACKNOWLEDGED,
    ]
    # The group existed, muted, since the alert fired: its next flush pages at once.
    assert [n.kind for n in notifier.sent] == [NotificationKind.PAGE]


def test_an_inhibited_alert_opens_no_incident_and_is_not_paged() -> None:
    """A critical and a warning alert of one name fire together: the default rule mutes one."""
    shop = Shop()
    critical_rule = AlertingRule(
        "CPUHigh", cpu_rule("x", 80, 0.0).expr, for_=0.0, labels={"severity": "critical"}
    )
    rules = [RuleGroup("test", 15.0, [cpu_rule("CPUHigh", 80, 0.0), critical_rule])]
    notifier = MemoryNotifier()
    dos = make_dos(shop, notifier, dos={"rule_groups": rules}, name="none")
    run(dos, shop, 700.0)
    critical, warning = sorted(dos.alerts.alerts, key=lambda a: a.severity)
    assert (critical.severity, warning.severity) == ("critical", "warning")
    assert warning.status is AlertStatus.SUPPRESSED
    assert warning.inhibited_by.startswith('{alertname="CPUHigh"')
    (incident,) = dos.incidents
    assert [a.severity for a in incident.alerts] == ["critical"]
    (page,) = notifier.sent
    assert [a.labels["severity"] for a in page.alerts] == ["critical"]
