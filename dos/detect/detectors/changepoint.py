"""Two-sided CUSUM change-point detection on standardised residuals.

A reference level and spread are learned (exponentially weighted) while no change is
under way. Each sample's residual ``r`` in spreads feeds two cumulative sums,
``S+ = max(0, S+ + r - drift)`` and ``S- = max(0, S- - r - drift)``; a sum crossing
``limit`` is a change point. The detector then restarts at the new level, so a lasting
shift is reported once, not for as long as it lasts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from dos.detect.detectors.base import STATE, StreamingDetector, squash
from dos.errors import ConfigError

__all__ = ["CUSUM"]

_TINY = 1e-12


@dataclass
class CUSUM(StreamingDetector):
    """Score each sample by how close its CUSUM statistic is to the change-point limit.

    The score is 0.5 when a sum reaches ``limit`` (a change point) and rises beyond.
    """

    key: ClassVar[str] = "cusum"
    drift: float = 1.0
    limit: float = 10.0
    half_life: float = 288.0
    warmup: int = 30
    clip: float = 6.0
    level: float = field(default=math.nan, init=False, metadata=STATE)
    spread: float = field(default=0.0, init=False, metadata=STATE)
    upper: float = field(default=0.0, init=False, metadata=STATE)
    lower: float = field(default=0.0, init=False, metadata=STATE)
    seen: int = field(default=0, init=False, metadata=STATE)

    def _check(self) -> None:
        if not self.limit > 0:
            raise ConfigError("cusum.limit", self.limit, "a positive number of spreads")
        if not self.half_life > 0:
            raise ConfigError("cusum.half_life", self.half_life, "a positive number of samples")

    def _run(self, times: list[float], values: list[float]) -> list[float]:
        alpha = 1.0 - 0.5 ** (1.0 / self.half_life)
        drift, limit, warmup, clip = self.drift, self.limit, self.warmup, self.clip
        level, spread, upper, lower, seen = (
            self.level,
            self.spread,
            self.upper,
            self.lower,
            self.seen,
        )
        out = []
        for x in values:
            if x != x:
                out.append(0.0)
                continue
            if seen == 0:
                level = x
            unit = spread + _TINY * (abs(level) + 1.0)
            r = max(-clip, min(clip, (x - level) / unit))
            if seen < warmup:
                out.append(0.0)
                dev = x - level
            else:
                upper = max(0.0, upper + r - drift)
                lower = max(0.0, lower - r - drift)
                statistic = max(upper, lower)
                out.append(squash(statistic - limit, limit / 4.0))
                dev = r * unit
                if statistic >= limit:  # a change point: restart at the new level
                    level, upper, lower, seen, dev = x, 0.0, 0.0, warmup // 2, 0.0
            rate = max(alpha, 1.0 / (seen + 1.0))  # a plain average while few samples are in
            level += rate * dev
            spread += rate * (abs(dev) - spread)
            seen += 1
        self.level, self.spread, self.upper, self.lower, self.seen = (
            level,
            spread,
            upper,
            lower,
            seen,
        )
        return out
