"""Detection delay for labelled series: from each window's start to its first alarm.

Reported over detected windows only, always beside recall and the count of missed
windows, as MTTD is for the twin's faults. Windows wholly inside the probation period
are not counted, as NAB does not score them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.nab.sweep import FileSweep

__all__ = ["DelaySummary", "detection_delays", "summarise_delays"]


@dataclass(frozen=True, slots=True)
class DelaySummary:
    """Detection delays over a set of windows."""

    windows: int
    detected: int
    missed: int
    recall: float
    mean_delay: float
    median_delay: float

    def to_dict(self) -> dict[str, float | int]:
        """Return the summary as plain data."""
        return {
            "windows": self.windows,
            "detected": self.detected,
            "missed": self.missed,
            "recall": self.recall,
            "mttd_s": self.mean_delay,
            "mttd_median_s": self.median_delay,
        }


def detection_delays(
    sweep: FileSweep, scores: NDArray[np.float64], threshold: float
) -> list[float | None]:
    """Return each scored window's delay in seconds to its first alarm (None: missed)."""
    alarm = np.asarray(scores) >= threshold
    delays: list[float | None] = []
    for k in sweep.scored:
        rows = np.flatnonzero(sweep.window == k)
        hits = rows[alarm[rows]]
        start = sweep.timestamps[sweep.window_starts[k]]
        delays.append(float(sweep.timestamps[hits[0]] - start) if len(hits) else None)
    return delays


def summarise_delays(delays: Sequence[float | None]) -> DelaySummary:
    """Summarise delays: mean and median over detected windows, recall, missed count."""
    found = [d for d in delays if d is not None]
    total = len(delays)
    return DelaySummary(
        windows=total,
        detected=len(found),
        missed=total - len(found),
        recall=len(found) / total if total else float("nan"),
        mean_delay=float(np.mean(found)) if found else float("nan"),
        median_delay=float(np.median(found)) if found else float("nan"),
    )
