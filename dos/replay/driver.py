"""Replay a recorded series through a detector or an alerting rule, without look-ahead.

A detector scores the rows in time order through ``update_many`` (identical to feeding
them one by one). An alerting rule is evaluated by DOS's own rule engine at each row's
timestamp over the series stored as metric ``value``; its score is 1 while the alert
fires and 0 otherwise. Alarms are the rows scoring at or above a threshold; alert
episodes are runs of alarms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.detect.alert import AlertState
from dos.detect.detectors import make_detector
from dos.detect.rules import AlertingRule, RuleEngine, RuleGroup
from dos.durations import parse_duration
from dos.promql import Engine
from dos.replay.series import Series
from dos.telemetry import labels_of
from dos.tsdb import SeriesStore

__all__ = ["RULE", "Episode", "alert_episodes", "rule_scores", "score_series"]

RULE = "rule"
"""The detector key that replays an alerting rule instead of a detector."""


@dataclass(frozen=True, slots=True)
class Episode:
    """A run of alarms: first and last alarming row times and the highest score."""

    start: float
    end: float
    peak: float


def score_series(
    series: Series, detector: str, settings: Mapping[str, object] | None = None
) -> NDArray[np.float64]:
    """Score every row of ``series`` with a fresh detector ``detector``."""
    if detector == RULE:
        options = dict(settings or {})
        held = options.get("for", 0)
        for_ = parse_duration(held if isinstance(held, str | int | float) else 0, "rule.for")
        return rule_scores(series, str(options.get("expr", "value > 0")), for_)
    return make_detector(detector, settings).update_many(series.times, series.values)


def rule_scores(series: Series, expr: str, for_: float = 0.0) -> NDArray[np.float64]:
    """Evaluate alerting rule ``expr`` at every row; 1 where it fires, else 0."""
    store = SeriesStore()
    labels = labels_of("value", series="replay")
    engine = Engine(store)
    rule = AlertingRule("ReplayRule", expr, for_=for_)
    rules = RuleEngine([RuleGroup("replay", 1e-3, [rule])], engine)
    out = np.zeros(len(series))
    firing = False
    for i, (t, v) in enumerate(zip(series.times.tolist(), series.values.tolist(), strict=True)):
        if v == v:
            store.append_sample(labels, t, v)
        for change in rules.evaluate(t):
            firing = change.current is AlertState.FIRING
        out[i] = 1.0 if firing else 0.0
    return out


def alert_episodes(
    times: NDArray[np.float64], scores: NDArray[np.float64], threshold: float
) -> list[Episode]:
    """Group consecutive alarming rows into episodes."""
    alarm = np.concatenate(([False], np.asarray(scores) >= threshold, [False]))
    edges = np.diff(alarm.astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [
        Episode(float(times[a]), float(times[b]), float(np.max(scores[a : b + 1])))
        for a, b in zip(starts, ends, strict=True)
    ]
