"""User-facing impact of a run: failed requests at the entry and the error budget they burn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Impact", "entry_impact"]


@dataclass(frozen=True)
class Impact:
    """Requests the entry service answered, those that failed, and the budget burned."""

    requests: int
    failed_requests: int
    error_budget_consumed: float | None


def entry_impact(metrics: pd.DataFrame, entry: str, slo_availability: float = 0.999) -> Impact:
    """Count the entry service's requests and 5xx answers from ``http_requests_total``.

    Each pod's counter starts at zero when the pod does, so a run's count is the sum over
    series of each one's last value (stale markers are NaN and skipped). The error budget
    is the run's allowance of failures, ``(1 - slo_availability) x requests``; the share
    consumed may exceed 1.
    """
    if not 0.0 < slo_availability < 1.0:
        raise ValueError(f"slo_availability: got {slo_availability!r}, expected 0 < x < 1")
    rows = metrics[(metrics["metric"] == "http_requests_total") & (metrics["service"] == entry)]
    rows = rows[np.isfinite(rows["value"].to_numpy())]
    if rows.empty:
        return Impact(0, 0, None)
    last = rows.groupby(["pod", "labels"], sort=False)["value"].last().reset_index()
    codes = last["labels"].str.extract(r'"code":"(\d+)"', expand=False)
    requests = int(np.rint(last["value"].sum()))
    failed = int(np.rint(last.loc[codes.str.startswith("5", na=False), "value"].sum()))
    allowance = (1.0 - slo_availability) * requests
    return Impact(requests, failed, failed / allowance if allowance > 0 else None)
