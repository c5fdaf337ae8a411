"""Seasonal baseline: a daily and a weekly profile of the series, learned online.

Time of day (and of week) is cut into slots of ``step`` seconds. Each slot keeps an
exponentially weighted mean and mean absolute deviation of the values that fell in it.
The expected value is the weekly slot's once that slot has seen ``min_weeks`` samples
(a week of data), the daily slot's before; the score is the robust z-score of the
residual, in units of the slot's spread but never less than ``floor`` times the spread
of the whole series around its own running mean (a slot seen a few times has a spread
near 0). Slots are keyed by the timestamp, so irregular sampling and gaps are fine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from dos.detect.detectors.base import STATE, StreamingDetector
from dos.errors import ConfigError

__all__ = ["SeasonalBaseline"]

_DAY = 86_400.0
_WEEK = 7 * _DAY
_TINY = 1e-12


@dataclass
class SeasonalBaseline(StreamingDetector):
    """Score samples against the learned value of their slot in the day and the week."""

    key: ClassVar[str] = "seasonal"
    step: float = 300.0
    rate: float = 0.2
    threshold: float = 4.0
    min_days: int = 2
    min_weeks: int = 1
    floor: float = 0.25
    level: float = field(default=0.0, init=False, metadata=STATE)
    level_spread: float = field(default=0.0, init=False, metadata=STATE)
    daily_mean: list[float] = field(default_factory=list, init=False, metadata=STATE)
    daily_spread: list[float] = field(default_factory=list, init=False, metadata=STATE)
    daily_count: list[int] = field(default_factory=list, init=False, metadata=STATE)
    weekly_mean: list[float] = field(default_factory=list, init=False, metadata=STATE)
    weekly_spread: list[float] = field(default_factory=list, init=False, metadata=STATE)
    weekly_count: list[int] = field(default_factory=list, init=False, metadata=STATE)

    def _check(self) -> None:
        if not (self.step > 0 and _DAY % self.step == 0):
            raise ConfigError("seasonal.step", self.step, "a positive divisor of 86400 seconds")
        if not 0 < self.rate <= 1:
            raise ConfigError("seasonal.rate", self.rate, "a learning rate in (0, 1]")
        if not self.daily_mean:
            day, week = int(_DAY // self.step), int(_WEEK // self.step)
            self.daily_mean, self.daily_spread, self.daily_count = (
                [0.0] * day,
                [0.0] * day,
                [0] * day,
            )
            self.weekly_mean, self.weekly_spread = [0.0] * week, [0.0] * week
            self.weekly_count = [0] * week

    def _run(self, times: list[float], values: list[float]) -> list[float]:
        step, rate, threshold = self.step, self.rate, self.threshold
        dm, ds, dc = self.daily_mean, self.daily_spread, self.daily_count
        wm, ws, wc = self.weekly_mean, self.weekly_spread, self.weekly_count
        days, weeks = len(dm), len(wm)
        level, level_spread = self.level, self.level_spread
        floor, seen = self.floor, sum(self.daily_count)
        out = []
        for t, x in zip(times, values, strict=True):
            if x != x:
                out.append(0.0)
                continue
            if seen == 0:
                level = x
            seen += 1
            level_spread += rate * (abs(x - level) - level_spread)
            level += rate * (x - level)
            slot = int(t // step)
            d, w = slot % days, slot % weeks
            if wc[w] >= self.min_weeks:
                expected, unit, known = wm[w], ws[w], True
            else:
                expected, unit, known = dm[d], ds[d], dc[d] >= self.min_days
            unit = max(unit, floor * level_spread) + _TINY * (abs(expected) + 1.0)
            z = abs(x - expected) / unit
            out.append(z / (z + threshold) if known else 0.0)
            _learn(dm, ds, dc, d, x, rate)
            _learn(wm, ws, wc, w, x, rate)
        self.level, self.level_spread = level, level_spread
        return out


def _learn(
    mean: list[float], spread: list[float], count: list[int], i: int, x: float, rate: float
) -> None:
    """Move slot ``i``'s mean and spread towards ``x`` (the first sample sets the mean)."""
    if count[i] == 0:
        mean[i] = x
    else:
        dev = x - mean[i]
        mean[i] += rate * dev
        spread[i] += rate * (abs(dev) - spread[i])
    count[i] += 1
