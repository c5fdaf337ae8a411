"""Prometheus alerting and recording rules, evaluated with Prometheus 2.42's semantics.

Every output series of an alerting rule's expression is an alert. A new alert is pending
from the evaluation that first returned it (its ``active_at``) and fires at the first
evaluation with ``now - active_at >= for``; when the expression stops returning it, a
pending alert is dropped and a firing one resolves, unless ``keep_firing_for`` holds it.
Recording rules write their result into the store at the evaluation time, so later rules
of the group see it; alerting rules write ``ALERTS`` and ``ALERTS_FOR_STATE`` as
Prometheus does, and series that a rule no longer returns get a stale marker.

State across reloads and restarts follows Prometheus 2.42: :meth:`RuleEngine.reload`
keeps the alerts of every rule still there, and an engine built with ``restore=`` over a
store holding an earlier engine's ``ALERTS_FOR_STATE`` is a restart that brings ``for``
state back (:mod:`dos.detect.forstate`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from dos.detect.alert import Alert, AlertState, AlertTransition
from dos.detect.forstate import ForStatePolicy, restore_for_state
from dos.detect.templates import (
    QuerySample,
    Template,
    TemplateData,
    TemplateError,
    compile_template,
)
from dos.errors import ConfigError, DOSError
from dos.promql import Engine, Vector
from dos.telemetry import STALE_NAN, Labels
from dos.tsdb import SeriesStore, StoreError

__all__ = [
    "AlertingRule",
    "RecordingRule",
    "Rule",
    "RuleEngine",
    "RuleEvaluationError",
    "RuleGroup",
    "RuleHealth",
]

logger = logging.getLogger(__name__)

# Go's time resolution: durations compare equal within a nanosecond.
_EPSILON = 1e-9
# How long a resolved alert is remembered (Prometheus' resolvedRetention).
_RESOLVED_RETENTION = 15 * 60.0


class RuleEvaluationError(DOSError):
    """A rule's result cannot be used (duplicate label sets, limit exceeded)."""


@dataclass(frozen=True)
class AlertingRule:
    """An alert per output series of ``expr``; ``labels``/``annotations`` are templates."""

    name: str
    expr: str
    for_: float = 0.0
    keep_firing_for: float = 0.0
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    _templates: tuple[dict[str, Template], dict[str, Template]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("alert", self.name, "a non-empty alert name")
        for key in ("for_", "keep_firing_for"):
            value = getattr(self, key)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"{self.name}.{key}", value, "a duration of 0 s or more")
        labels = _compile_all("label", self.labels)
        annotations = _compile_all("annotation", self.annotations)
        object.__setattr__(self, "_templates", (labels, annotations))

    def expand(self, data: TemplateData) -> tuple[dict[str, str], dict[str, str]]:
        """Return this rule's labels and annotations expanded for one alert."""
        labels, annotations = self._templates
        return (
            {k: t.expand(data) for k, t in labels.items()},
            {k: t.expand(data) for k, t in annotations.items()},
        )


def _compile_all(kind: str, templates: Mapping[str, str]) -> dict[str, Template]:
    compiled = {}
    for key, text in templates.items():
        try:
            compiled[key] = compile_template(text)
        except TemplateError as exc:
            raise TemplateError(text, exc.reason, f"{kind} {key!r}") from None
    return compiled


@dataclass(frozen=True)
class RecordingRule:
    """Writes ``expr``'s result as series ``record`` (with ``labels`` set on each)."""

    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.record:
            raise ConfigError("record", self.record, "a non-empty metric name")


Rule = AlertingRule | RecordingRule


@dataclass(frozen=True)
class RuleGroup:
    """Rules evaluated together, in order, every ``interval`` seconds.

    ``limit`` (0: none) caps the alerts or series one rule may produce, as in Prometheus.
    """

    name: str
    interval: float
    rules: Sequence[Rule]
    limit: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval) and self.interval > 0):
            raise ConfigError(f"{self.name}.interval", self.interval, "a positive duration")


@dataclass(frozen=True, slots=True)
class RuleHealth:
    """How a rule's latest evaluation went."""

    group: str
    rule: str
    last_evaluation: float | None
    last_error: str | None


@dataclass
class _RuleState:
    rule: Rule
    active: dict[Labels, Alert] = field(default_factory=dict)
    keep_firing_since: dict[Labels, float] = field(default_factory=dict)
    written: set[Labels] = field(default_factory=set)
    last_evaluation: float | None = None
    last_error: str | None = None
    # False until a restarted engine has restored this rule's for state: ALERTS not written.
    restored: bool = True


@dataclass
class _GroupState:
    group: RuleGroup
    rules: list[_RuleState]
    last_tick: float | None = None
    evaluations: int = 0
    # Series of rules removed by a reload, marked stale at the next evaluation.
    stale: set[Labels] = field(default_factory=set)


class RuleEngine:
    """Evaluates rule groups over an engine's store, keeping each alert's state.

    A group evaluates at the multiples of its interval, as promtool schedules it:
    :meth:`evaluate` runs every group whose newest tick at or before ``now`` has not run
    yet, at that tick (ticks missed in between are skipped, as Prometheus skips them). A
    rule whose evaluation fails is logged and recorded in :meth:`health`; the others run.

    ``restore`` makes this engine a restart over a store holding an earlier engine's
    series: ``for`` state comes back from ``ALERTS_FOR_STATE`` as
    :mod:`dos.detect.forstate` describes. Without it, alerts start afresh and ``ALERTS`` is
    written from the first evaluation, as in promtool's unit tests.
    """

    def __init__(
        self,
        groups: Sequence[RuleGroup],
        engine: Engine,
        *,
        external_labels: Mapping[str, str] | None = None,
        external_url: str = "",
        restore: ForStatePolicy | None = None,
    ) -> None:
        self.engine = engine
        self.external_labels = dict(external_labels or {})
        self.external_url = external_url
        self.restore = restore
        self._check(groups)
        self._groups = [self._new_group(g) for g in groups]
        if restore is not None:
            for rule in (r for g in self._groups for r in g.rules):
                rule.restored = not isinstance(rule.rule, AlertingRule)

    @property
    def groups(self) -> list[RuleGroup]:
        """The groups this engine evaluates."""
        return [state.group for state in self._groups]

    def reload(self, groups: Sequence[RuleGroup]) -> None:
        """Replace the rule groups, keeping the state of every rule that is still there.

        As Prometheus does on a reload: a group is matched by name and, within it, a rule
        by name and labels (the n-th such rule to the old n-th); a matched rule keeps
        its alerts, their ``activeAt`` and ``keep_firing_for`` clocks, and its written
        series, even if its expression or ``for`` changed. A group keeps its schedule if its
        interval is unchanged. Series of rules and groups that are gone are marked stale at
        the next evaluation. A bad expression refuses the whole reload, keeping the old rules.
        """
        self._check(groups)
        old = {state.group.name: state for state in self._groups}
        new = [self._carry_over(g, old.pop(g.name, None)) for g in groups]
        if new and old:
            # A removed group's series go stale with the first remaining group.
            for gone in old.values():
                new[0].stale.update(s for rule in gone.rules for s in rule.written)
        self._groups = new

    def evaluate(self, now: float) -> list[AlertTransition]:
        """Evaluate the groups that are due at ``now``; return the alerts' state changes."""
        transitions: list[AlertTransition] = []
        for state in self._groups:
            interval = state.group.interval
            tick = float(math.floor(now / interval + _EPSILON) * interval)
            if state.last_tick is not None and tick <= state.last_tick + _EPSILON:
                continue
            state.last_tick = tick
            for labels in state.stale:
                _append(self.engine.store, labels, tick, STALE_NAN)
            state.stale = set()
            for rule_state in state.rules:
                transitions.extend(self._evaluate_rule(state.group, rule_state, tick))
            state.evaluations += 1
            if self.restore is not None and state.evaluations == 2:
                self._restore(state, tick, self.restore)
        return transitions

    def active_alerts(self) -> list[Alert]:
        """Every pending or firing alert, group by group and rule by rule."""
        return [
            alert
            for group in self._groups
            for rule in group.rules
            for alert in rule.active.values()
            if alert.state is not AlertState.INACTIVE
        ]

    def health(self) -> list[RuleHealth]:
        """Each rule's latest evaluation time and error, if it failed."""
        return [
            RuleHealth(g.group.name, _rule_name(r.rule), r.last_evaluation, r.last_error)
            for g in self._groups
            for r in g.rules
        ]

    def _check(self, groups: Sequence[RuleGroup]) -> None:
        for group in groups:
            for rule in group.rules:
                self.engine.parse(rule.expr)  # refuse a bad expression now, not at 3 a.m.

    def _new_group(self, group: RuleGroup) -> _GroupState:
        return _GroupState(group, [_RuleState(r) for r in group.rules])

    def _carry_over(self, group: RuleGroup, old: _GroupState | None) -> _GroupState:
        """Build a group's state, taking over what its old version had (see reload)."""
        state = self._new_group(group)
        if old is None:
            return state
        if old.group.interval == group.interval:
            state.last_tick = old.last_tick
        state.evaluations = old.evaluations
        state.stale = set(old.stale)
        unmatched: dict[tuple[object, ...], list[_RuleState]] = {}
        for previous in old.rules:
            unmatched.setdefault(_identity(previous.rule), []).append(previous)
        for current in state.rules:
            candidates = unmatched.get(_identity(current.rule))
            if candidates:
                _take_over(current, candidates.pop(0))
        for leftovers in unmatched.values():
            state.stale.update(s for rule in leftovers for s in rule.written)
        return state

    def _restore(self, state: _GroupState, tick: float, policy: ForStatePolicy) -> None:
        for rule_state in state.rules:
            rule = rule_state.rule
            if isinstance(rule, AlertingRule) and not rule_state.restored:
                alerts = [a for a in rule_state.active.values() if a.state != AlertState.INACTIVE]
                count = restore_for_state(alerts, rule.for_, self.engine.store, tick, policy)
                logger.info("rule %s: for state of %d alerts restored", rule.name, count)
                rule_state.restored = True

    def _evaluate_rule(
        self, group: RuleGroup, state: _RuleState, ts: float
    ) -> list[AlertTransition]:
        rule = state.rule
        transitions: list[AlertTransition] = []
        try:
            vector = self.engine.evaluate(rule.expr, ts)
            if isinstance(rule, AlertingRule):
                samples, transitions = self._alerts(group, rule, state, vector, ts)
            else:
                samples = _recorded(rule, vector, group.limit)
        except DOSError as exc:
            state.last_error = str(exc)
            logger.warning(
                "rule %s of group %s failed at t=%s: %s", _rule_name(rule), group.name, ts, exc
            )
            return []
        state.last_evaluation = ts
        state.last_error = None
        self._write(state, samples if state.restored else {}, ts)
        return transitions

    def _alerts(
        self, group: RuleGroup, rule: AlertingRule, state: _RuleState, vector: Vector, ts: float
    ) -> tuple[dict[Labels, float], list[AlertTransition]]:
        found = self._expand(group, rule, vector, ts)
        before = {key: (alert, alert.state) for key, alert in state.active.items()}
        for key, alert in found.items():
            current = state.active.get(key)
            if current is not None and current.state is not AlertState.INACTIVE:
                current.value, current.annotations = alert.value, alert.annotations
            else:
                state.active[key] = alert
        samples = self._advance(rule, state, found, ts)
        if group.limit and len(samples) // 2 > group.limit:
            state.active.clear()
            raise RuleEvaluationError(
                f"exceeded limit of {group.limit} with {len(samples) // 2} alerts"
            )
        return samples, _changes(before, state, ts)

    def _expand(
        self, group: RuleGroup, rule: AlertingRule, vector: Vector, ts: float
    ) -> dict[Labels, Alert]:
        """Turn each output series into a fresh pending alert with expanded templates."""
        found: dict[Labels, Alert] = {}
        query = self._query_at(ts)
        for series, value in zip(vector.labels, vector.values.tolist(), strict=True):
            data = TemplateData(
                dict(series), value, self.external_labels, self.external_url, query
            )
            extra_labels, annotations = rule.expand(data)
            labels = {k: v for k, v in series if k != "__name__"}
            for name, text in extra_labels.items():
                if text:
                    labels[name] = text
                else:
                    labels.pop(name, None)
            labels["alertname"] = rule.name
            key = tuple(sorted(labels.items()))
            if key in found:
                raise RuleEvaluationError(
                    "vector contains metrics with the same labelset after applying alert labels"
                )
            found[key] = Alert(
                labels, annotations, AlertState.PENDING, ts, value, extra={"group": group.name}
            )
        return found

    def _query_at(self, ts: float) -> Callable[[str], list[QuerySample]]:
        """Return the ``query`` template function for an evaluation at ``ts``."""

        def query(expr: str) -> list[QuerySample]:
            return [QuerySample(s.labels, s.value) for s in self.engine.instant(expr, ts)]

        return query

    def _advance(
        self, rule: AlertingRule, state: _RuleState, found: dict[Labels, Alert], ts: float
    ) -> dict[Labels, float]:
        """Move alerts along pending -> firing -> inactive; return the ALERTS samples."""
        samples: dict[Labels, float] = {}
        for key, alert in list(state.active.items()):
            if key not in found:
                keep = _keeps_firing(rule, state, key, alert, ts)
                if alert.state is AlertState.PENDING or (
                    alert.resolved_at is not None and ts - alert.resolved_at > _RESOLVED_RETENTION
                ):
                    del state.active[key]
                if alert.state is not AlertState.INACTIVE and not keep:
                    alert.state = AlertState.INACTIVE
                    alert.resolved_at = ts
                if not keep:
                    state.keep_firing_since.pop(key, None)
                    continue
            else:
                state.keep_firing_since.pop(key, None)
            if alert.state is AlertState.PENDING and ts - alert.active_at >= rule.for_ - _EPSILON:
                alert.state = AlertState.FIRING
                alert.fired_at = ts
            samples.update(_alert_samples(alert, rule.labels))
        return samples

    def _write(self, state: _RuleState, samples: Mapping[Labels, float], ts: float) -> None:
        store = self.engine.store
        for labels, value in samples.items():
            _append(store, labels, ts, value)
        for labels in state.written - samples.keys():
            _append(store, labels, ts, STALE_NAN)
        state.written = set(samples)


def _identity(rule: Rule) -> tuple[object, ...]:
    """What a reload matches a rule by: its name and labels (not its expression).

    The kind is part of it too: an alert taking a recording rule's name gets none of its
    state, and the recorded series go stale, as they do in Prometheus.
    """
    return (type(rule).__name__, _rule_name(rule), tuple(sorted(rule.labels.items())))


def _take_over(current: _RuleState, previous: _RuleState) -> None:
    current.written = previous.written
    current.last_evaluation = previous.last_evaluation
    current.last_error = previous.last_error
    current.restored = previous.restored
    if isinstance(current.rule, AlertingRule) and isinstance(previous.rule, AlertingRule):
        current.active = previous.active
        current.keep_firing_since = previous.keep_firing_since


def _keeps_firing(
    rule: AlertingRule, state: _RuleState, key: Labels, alert: Alert, ts: float
) -> bool:
    if alert.state is not AlertState.FIRING or rule.keep_firing_for <= 0:
        return False
    since = state.keep_firing_since.setdefault(key, ts)
    return ts - since < rule.keep_firing_for - _EPSILON


def _changes(
    before: dict[Labels, tuple[Alert, AlertState]], state: _RuleState, ts: float
) -> list[AlertTransition]:
    """Compare each alert's state now with the state it had before this evaluation."""
    changes = []
    for key in [*before, *(k for k in state.active if k not in before)]:
        previous = before[key][1] if key in before else AlertState.INACTIVE
        alert = state.active.get(key) or before[key][0]
        current = alert.state if key in state.active else AlertState.INACTIVE
        if current is not previous:
            changes.append(
                AlertTransition(
                    ts,
                    dict(alert.labels),
                    previous,
                    current,
                    alert.value,
                    dict(alert.annotations),
                )
            )
    return changes


def _alert_samples(alert: Alert, raw: Mapping[str, str]) -> dict[Labels, float]:
    # Prometheus starts from the rule's unexpanded labels and overlays the alert's, so a
    # label whose template expands to nothing keeps its raw text in ALERTS.
    alerts = {**raw, **alert.labels, "__name__": "ALERTS", "alertstate": alert.state.value}
    for_state = {**raw, **alert.labels, "__name__": "ALERTS_FOR_STATE"}
    return {
        tuple(sorted(alerts.items())): 1.0,
        # Prometheus stores whole seconds here (time.Time.Unix).
        tuple(sorted(for_state.items())): float(math.floor(alert.active_at)),
    }


def _recorded(rule: RecordingRule, vector: Vector, limit: int) -> dict[Labels, float]:
    samples: dict[Labels, float] = {}
    for series, value in zip(vector.labels, vector.values.tolist(), strict=True):
        labels = dict(series)
        labels["__name__"] = rule.record
        for name, text in rule.labels.items():
            if text:
                labels[name] = text
            else:
                labels.pop(name, None)
        key = tuple(sorted(labels.items()))
        if key in samples:
            raise RuleEvaluationError(
                "vector contains metrics with the same labelset after applying rule labels"
            )
        samples[key] = value
    if limit and len(samples) > limit:
        raise RuleEvaluationError(f"exceeded limit of {limit} with {len(samples)} series")
    return samples


def _append(store: SeriesStore, labels: Labels, ts: float, value: float) -> None:
    try:
        store.append_sample(labels, ts, value)
    except StoreError as exc:
        # Prometheus discards such a result and carries on with the next one.
        logger.warning("rule result discarded: %s", exc)


def _rule_name(rule: Rule) -> str:
    return rule.name if isinstance(rule, AlertingRule) else rule.record
