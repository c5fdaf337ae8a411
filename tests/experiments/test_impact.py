"""Failed requests and error budget from the entry service's request counters."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from experiments.scoring.impact import entry_impact


def counters(rows: list[tuple[float, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "t": t,
                "metric": "http_requests_total",
                "service": s,
                "pod": p,
                "labels": lab,
                "value": v,
            }
            for t, s, p, lab, v in rows
        ]
    )


def test_each_series_counts_its_last_value_and_stale_markers_are_skipped() -> None:
    ok, failed = '{"code":"200"}', '{"code":"500"}'
    table = counters(
        [
            (0.0, "frontend", "a", ok, 0.0),
            (15.0, "frontend", "a", ok, 900.0),
            (15.0, "frontend", "a", failed, 10.0),
            (30.0, "frontend", "a", ok, math.nan),
            (30.0, "frontend", "a", failed, math.nan),
            (30.0, "frontend", "b", ok, 90.0),
            (30.0, "api", "c", failed, 500.0),
        ]
    )
    impact = entry_impact(table, "frontend", slo_availability=0.99)
    assert (impact.requests, impact.failed_requests) == (1000, 10)
    assert impact.error_budget_consumed == pytest.approx(10 / (0.01 * 1000))


def test_no_requests_leaves_the_budget_unknown() -> None:
    impact = entry_impact(counters([(0.0, "api", "c", '{"code":"200"}', 5.0)]), "frontend")
    assert (impact.requests, impact.failed_requests, impact.error_budget_consumed) == (0, 0, None)


def test_an_impossible_objective_is_refused() -> None:
    with pytest.raises(ValueError, match="slo_availability"):
        entry_impact(counters([]), "frontend", slo_availability=1.0)
