"""Run promtool-format rule unit tests with DOS's own rule engine, as promtool runs them.

For each test group: the input series are loaded as time goes by (samples up to each
evaluation, so rule results and input series share one store as in promtool); every
rule group is evaluated at 0, ``evaluation_interval``, ... up to the latest
``eval_time`` of the group, in ``group_eval_order`` (groups not named there first, in
file order); an ``alert_rule_test`` at time t is checked after the evaluation at the
newest tick at or before t, against the firing alerts of every rule of that name; a
rule that fails to evaluate ends the group; ``promql_expr_test`` queries run at the end.
Failures are worded as promtool words them (:mod:`dos.ruletest.report`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dos.detect.alert import AlertState
from dos.detect.promtool_series import SeriesNotationError, expand_values, parse_series
from dos.detect.rulefile import check_rule_file
from dos.detect.rules import RuleEngine, RuleGroup
from dos.detect.templates.gofmt import go_quote
from dos.errors import DOSError, QueryError
from dos.promql import Engine
from dos.promql.nodes import Kind
from dos.ruletest import report
from dos.ruletest.spec import AlertCase, RuleTestError, RuleTestFile, RuleTestGroup, load_test_file
from dos.telemetry import Labels
from dos.tsdb import SeriesStore, StoreError

__all__ = ["RuleTestOutcome", "run_test_file", "run_test_group"]

Sample = tuple[dict[str, str], float]


@dataclass(frozen=True, slots=True)
class RuleTestOutcome:
    """The failures of one test file, each worded as promtool words it (none: passed)."""

    path: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether every test of the file passed."""
        return not self.failures


def run_test_file(path: str | Path, *, lookback_delta: float = 300.0) -> RuleTestOutcome:
    """Run every test group of a unit-test file."""
    name = str(path)
    try:
        spec = load_test_file(path)
    except RuleTestError as exc:
        return RuleTestOutcome(name, (str(exc),))
    groups: list[RuleGroup] = []
    problems: list[str] = []
    for rule_file in spec.rule_files:
        loaded, errors = check_rule_file(rule_file, default_interval=spec.evaluation_interval)
        groups.extend(loaded)
        problems.extend(str(e) for e in errors)
    failures: list[str] = []
    for test in spec.tests:
        if problems:
            failures.extend(problems)  # promtool reports them for every test group
            continue
        failures.extend(run_test_group(spec, test, groups, lookback_delta=lookback_delta))
    return RuleTestOutcome(name, tuple(failures))


def run_test_group(
    spec: RuleTestFile,
    test: RuleTestGroup,
    groups: Sequence[RuleGroup],
    *,
    lookback_delta: float = 300.0,
) -> list[str]:
    """Run one test group over ``groups``; return its failures."""
    for case in test.alert_cases:
        if not case.alertname:
            return [report.missing_alertname(case.eval_time, test.name)]
    try:
        feed = _Feed(test)
    except DOSError as exc:
        return [str(exc)]
    store = SeriesStore()
    # promtool evaluates a subquery without a step at the file's evaluation interval.
    engine = Engine(store, lookback_delta, subquery_step=spec.evaluation_interval)
    rank = {name: i for i, name in enumerate(spec.group_eval_order)}
    ordered = sorted(groups, key=lambda g: rank.get(g.name, 0))
    step = spec.evaluation_interval
    rules = RuleEngine(
        [RuleGroup(g.name, step, g.rules, g.limit) for g in ordered],
        engine,
        external_labels=test.external_labels,
        external_url=test.external_url,
    )
    failures = _evaluate(test, feed, rules, step)
    if failures and failures[-1].startswith("    rule: "):
        return failures
    return failures + _check_exprs(test, engine)


def _evaluate(test: RuleTestGroup, feed: _Feed, rules: RuleEngine, step: float) -> list[str]:
    """Evaluate the rules tick by tick, checking each alert test at its tick."""
    cases = sorted(test.alert_cases, key=lambda c: c.eval_time)
    times = [c.eval_time for c in test.alert_cases] + [c.eval_time for c in test.expr_cases]
    step_ms = _millis(step)
    last_ms = _millis(max(times, default=0.0))
    failures: list[str] = []
    next_case = 0
    for tick_ms in range(0, last_ms + 1, step_ms):
        now = tick_ms / 1000
        feed.until(rules.engine.store, now)
        rules.evaluate(now)
        broken = [h for h in rules.health() if h.last_error is not None]
        if broken:
            return failures + [
                report.evaluation_failure(h.rule, now, h.last_error or "") for h in broken
            ]
        while next_case < len(cases) and _millis(cases[next_case].eval_time) < tick_ms + step_ms:
            failures.extend(_check_alerts(cases[next_case], rules, test.name))
            next_case += 1
    return failures


def _check_alerts(case: AlertCase, rules: RuleEngine, group_name: str) -> list[str]:
    got = sorted(
        (
            (dict(alert.labels), dict(alert.annotations))
            for alert in rules.active_alerts()
            if alert.state is AlertState.FIRING and alert.name == case.alertname
        ),
        key=_alert_order,
    )
    expected = sorted(
        (
            ({**alert.labels, "alertname": case.alertname}, dict(alert.annotations))
            for alert in case.expected
        ),
        key=_alert_order,
    )
    if got == expected:
        return []
    return [report.alert_failure(case.alertname, case.eval_time, expected, got, group_name)]


def _alert_order(alert: report.AlertText) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return sorted(alert[0].items()), sorted(alert[1].items())


def _check_exprs(test: RuleTestGroup, engine: Engine) -> list[str]:
    failures: list[str] = []
    for case in test.expr_cases:
        try:
            got = _query(engine, case.expr, case.eval_time)
            expected = sorted(
                ((_metric(s.labels), s.value) for s in case.expected), key=_sample_order
            )
        except DOSError as exc:
            reason = exc.reason if isinstance(exc, QueryError) else str(exc)
            failures.append(report.expr_error(case.expr, case.eval_time, reason))
            continue
        if not _same_samples(expected, got):
            failures.append(report.expr_failure(case.expr, case.eval_time, expected, got))
    return failures


def _query(engine: Engine, expr: str, at: float) -> list[Sample]:
    if engine.parse(expr).kind in (Kind.MATRIX, Kind.STRING):
        raise _TestInputError("rule result is not a vector or scalar")
    vector = engine.evaluate(expr, at)
    samples = zip(vector.labels, vector.values.tolist(), strict=True)
    return sorted(((dict(labels), value) for labels, value in samples), key=_sample_order)


class _TestInputError(DOSError):
    """A test's input or expectation cannot be used (the message says why)."""


def _metric(text: str) -> dict[str, str]:
    """Read an expected sample's series (``name{a="b"}``, ``{a="b"}`` or nothing)."""
    if not text.strip():
        return {}
    try:
        return dict(parse_series(text))
    except SeriesNotationError as exc:
        raise _TestInputError(f"labels {go_quote(text)}: {exc.reason}") from None


def _sample_order(sample: Sample) -> list[tuple[str, str]]:
    return sorted(sample[0].items())


def _same_samples(expected: list[Sample], got: list[Sample]) -> bool:
    # Compared as promtool compares them: exactly, so a NaN never equals a NaN.
    return len(expected) == len(got) and all(
        e_labels == g_labels and e_value == g_value
        for (e_labels, e_value), (g_labels, g_value) in zip(expected, got, strict=True)
    )


def _millis(seconds: float) -> int:
    return round(seconds * 1000)


class _Feed:
    """The input series, appended to the store up to each evaluation time."""

    def __init__(self, test: RuleTestGroup) -> None:
        self.series: list[tuple[Labels, list[float], list[float]]] = []
        for item in test.input_series:
            try:
                labels = parse_series(item.series)
                values = expand_values(item.values)
            except DOSError as exc:
                raise _TestInputError(f"input series at line {item.line}: {exc}") from None
            kept = [(i * test.interval, v) for i, v in enumerate(values) if v is not None]
            self.series.append((labels, [t for t, _ in kept], [v for _, v in kept]))
        self.next = [0] * len(self.series)

    def until(self, store: SeriesStore, now: float) -> None:
        """Append every sample at or before ``now`` not appended yet."""
        for index, (labels, times, values) in enumerate(self.series):
            position = self.next[index]
            while position < len(times) and times[position] <= now:
                _append(store, labels, times[position], values[position])
                position += 1
            self.next[index] = position


def _append(store: SeriesStore, labels: Labels, t: float, value: float) -> None:
    # A second sample at the same time (a test group without interval puts every value
    # at 0) is refused: Prometheus keeps the first, and so does this.
    with contextlib.suppress(StoreError):
        store.append_sample(labels, t, value)
