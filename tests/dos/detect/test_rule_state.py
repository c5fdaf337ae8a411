"""Rule state across a reload of the rule file and across a restart of the rule engine."""

from __future__ import annotations

import pytest

from dos.detect.alert import AlertState
from dos.detect.forstate import ForStatePolicy
from dos.detect.rules import AlertingRule, RecordingRule, RuleEngine, RuleGroup
from dos.errors import ConfigError, QueryError
from dos.promql import Engine
from dos.telemetry import is_stale, labels_of
from dos.tsdb import SeriesStore

LOAD = labels_of("load", host="a")
STEP = 60.0


def high_load(for_: float = 1800.0, expr: str = "load > 1") -> AlertingRule:
    return AlertingRule("HighLoad", expr, for_=for_, labels={"team": "web"})


def group(*rules: AlertingRule | RecordingRule, interval: float = STEP) -> RuleGroup:
    return RuleGroup("g", interval, list(rules))


def run(rules: RuleEngine, store: SeriesStore, start: float, end: float) -> list[float]:
    """Feed load=2 every step from ``start`` to ``end``; return the times the alert fired."""
    fired = []
    t = start
    while t <= end:
        store.append_sample(LOAD, t, 2.0)
        for change in rules.evaluate(t):
            if change.current is AlertState.FIRING:
                fired.append(change.timestamp)
        t += STEP
    return fired


def alerts_series(store: SeriesStore, state: str) -> list[tuple[float, float]]:
    labels = labels_of("ALERTS", alertname="HighLoad", alertstate=state, host="a", team="web")
    series = store.get(labels)
    assert series is not None
    return list(zip(series.timestamps.tolist(), series.values.tolist(), strict=True))


def test_reloading_an_unchanged_rule_file_keeps_pending_alerts_on_time() -> None:
    store = SeriesStore()
    rules = RuleEngine([group(high_load(for_=300.0))], Engine(store))
    assert run(rules, store, 0.0, 240.0) == []
    rules.reload([group(high_load(for_=300.0))])
    assert run(rules, store, 300.0, 600.0) == [300.0]
    [alert] = rules.active_alerts()
    assert alert.active_at == 0.0
    # The pending series ran on without a gap or a stale marker until it started firing.
    pending = alerts_series(store, "pending")
    assert [t for t, _ in pending] == [0.0, 60.0, 120.0, 180.0, 240.0, 300.0]
    assert is_stale(pending[-1][1])


def test_a_reload_matches_rules_by_name_and_labels_as_prometheus_does() -> None:
    store = SeriesStore()
    rules = RuleEngine([group(high_load(for_=300.0))], Engine(store))
    run(rules, store, 0.0, 120.0)
    # A new expression and for keep the alert; a new label makes it another rule.
    rules.reload([group(high_load(for_=240.0, expr="load > 1.5"))])
    assert run(rules, store, 180.0, 240.0) == [240.0]
    changed = AlertingRule("HighLoad", "load > 1", for_=240.0, labels={"team": "ops"})
    rules.reload([group(changed)])
    assert rules.active_alerts() == []
    run(rules, store, 300.0, 300.0)
    [alert] = rules.active_alerts()
    assert (alert.active_at, alert.labels["team"]) == (300.0, "ops")


def test_series_of_a_removed_rule_go_stale_at_the_next_evaluation() -> None:
    store = SeriesStore()
    record = RecordingRule("load:doubled", "load * 2")
    rules = RuleEngine([group(high_load(for_=0.0), record)], Engine(store))
    run(rules, store, 0.0, 60.0)
    rules.reload([group(record)])
    run(rules, store, 120.0, 120.0)
    firing = alerts_series(store, "firing")
    assert firing[-1][0] == 120.0
    assert is_stale(firing[-1][1])
    doubled = store.get(labels_of("load:doubled", host="a"))
    assert doubled is not None
    assert doubled.values.tolist() == [4.0, 4.0, 4.0]


def test_a_reload_with_a_bad_expression_keeps_the_old_rules() -> None:
    store = SeriesStore()
    rules = RuleEngine([group(high_load(for_=120.0))], Engine(store))
    run(rules, store, 0.0, 60.0)
    with pytest.raises(QueryError):
        rules.reload([group(high_load(expr="load >"))])
    assert run(rules, store, 120.0, 120.0) == [120.0]


def test_a_group_with_a_new_interval_evaluates_on_its_new_schedule() -> None:
    store = SeriesStore()
    store.append_sample(LOAD, 0.0, 2.0)
    rules = RuleEngine([group(high_load(for_=0.0))], Engine(store))
    rules.evaluate(0.0)
    rules.reload([group(high_load(for_=0.0), interval=45.0)])
    rules.evaluate(30.0)  # the 0 tick of the new schedule runs again
    rules.evaluate(50.0)
    assert [h.last_evaluation for h in rules.health()] == [45.0]


def restart(
    store: SeriesStore, for_: float = 1800.0, policy: ForStatePolicy | None = None
) -> RuleEngine:
    return RuleEngine(
        [group(high_load(for_=for_))], Engine(store), restore=policy or ForStatePolicy()
    )


def first_run(for_: float, until: float) -> SeriesStore:
    """Run an engine with load high from 60 s to ``until``, then stop it."""
    store = SeriesStore()
    store.append_sample(LOAD, 0.0, 0.0)
    rules = RuleEngine([group(high_load(for_=for_))], Engine(store))
    rules.evaluate(0.0)
    run(rules, store, 60.0, until)
    return store


def test_after_a_restart_the_time_already_pending_counts_and_the_outage_does_not() -> None:
    # Pending from 60 s, last written at 1200 s (19 min of the 30 spent), back at 1500 s.
    store = first_run(1800.0, until=1200.0)
    rules = restart(store)
    fired = run(rules, store, 1500.0, 4000.0)
    # Restored after the second evaluation (1560 s): 11 min left to wait.
    assert fired == [1560.0 + 660.0]
    [alert] = rules.active_alerts()
    assert alert.active_at == 60.0 + (1560.0 - 1200.0)


def test_without_the_stored_state_a_restart_waits_the_whole_for_again() -> None:
    store = SeriesStore()
    rules = restart(store)
    assert run(rules, store, 1500.0, 4000.0) == [1500.0 + 1800.0]


def test_an_alert_nearly_due_fires_one_grace_period_after_the_restore() -> None:
    # 29 of 30 minutes spent when it stopped: less than the 10-minute grace period left.
    store = first_run(1800.0, until=1800.0)
    rules = restart(store)
    assert run(rules, store, 1860.0, 4000.0) == [1920.0 + 600.0]


def test_an_alert_firing_before_the_restart_fires_at_the_first_evaluation_after_restore() -> None:
    store = first_run(1800.0, until=2400.0)
    rules = restart(store)
    assert run(rules, store, 2460.0, 4000.0) == [2580.0]


def test_a_for_shorter_than_the_grace_period_is_not_restored() -> None:
    store = first_run(300.0, until=240.0)
    rules = restart(store, for_=300.0)
    assert run(rules, store, 300.0, 1000.0) == [600.0]


def test_state_older_than_the_outage_tolerance_is_not_restored() -> None:
    store = first_run(1800.0, until=1200.0)
    # Restored at 1560 s, 6 minutes after the last sample: beyond a 5-minute tolerance.
    rules = restart(store, policy=ForStatePolicy(outage_tolerance=300.0))
    assert run(rules, store, 1500.0, 4000.0) == [1500.0 + 1800.0]


def test_a_restarted_engine_writes_alerts_only_once_restored() -> None:
    store = first_run(1800.0, until=1200.0)
    rules = restart(store)
    run(rules, store, 1500.0, 1620.0)
    written = [t for t, _ in alerts_series(store, "pending") if t >= 1500.0]
    assert written == [1620.0]


@pytest.mark.parametrize("field", ["grace_period", "outage_tolerance"])
def test_a_restore_policy_checks_its_durations(field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        ForStatePolicy(**{field: -1.0})
