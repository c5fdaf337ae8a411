"""Replaying recorded series: readers (CSV, Parquet, Prometheus HTTP) and the driver."""

from __future__ import annotations

from dos.replay.driver import RULE, Episode, alert_episodes, rule_scores, score_series
from dos.replay.readers import query_range, read_csv, read_parquet
from dos.replay.series import ReplayError, Series, check_series

__all__ = [
    "RULE",
    "Episode",
    "ReplayError",
    "Series",
    "alert_episodes",
    "check_series",
    "query_range",
    "read_csv",
    "read_parquet",
    "rule_scores",
    "score_series",
]
