"""Range novelty: a sample, or a short run of them, outside everything seen recently.

Two signs of something new, over a sliding history of the last ``history`` samples:

- a *record*: the sample exceeds the history's maximum or falls below its minimum, by
  ``excess = distance past the range / the range's width``;
- a *level shift*: the median of the last ``run`` samples lies beyond the history's
  ``quantile`` (or below ``1 - quantile``), measured in widths of that quantile band.

Routine spikes that recur set the range, so they stop scoring once seen; a single old
spike leaves the history after ``history`` samples. This is DOS's detector for NAB.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

from dos.detect.detectors.base import STATE, StreamingDetector, squash
from dos.errors import ConfigError

__all__ = ["RangeNovelty"]

_TINY = 1e-12


@dataclass
class RangeNovelty(StreamingDetector):
    """Score records and level shifts against a sliding history; 0.5 at the range's edge."""

    key: ClassVar[str] = "novelty"
    history: int = 4000
    run: int = 12
    quantile: float = 0.995
    level_weight: float = 1.0
    sharpness: float = 0.1
    warmup: int = 20
    window: list[float] = field(default_factory=list, init=False, metadata=STATE)
    ordered: list[float] = field(default_factory=list, init=False, metadata=STATE)
    recent: list[float] = field(default_factory=list, init=False, metadata=STATE)

    def _check(self) -> None:
        if self.history < 2:
            raise ConfigError("novelty.history", self.history, "2 samples or more")
        if not 1 <= self.run < self.history:
            raise ConfigError("novelty.run", self.run, f"1 to {self.history - 1} samples")
        if not 0.5 < self.quantile <= 1:
            raise ConfigError("novelty.quantile", self.quantile, "a quantile in (0.5, 1]")

    def _run(self, times: list[float], values: list[float]) -> list[float]:
        history, run, warmup, weight = self.history, self.run, self.warmup, self.level_weight
        window, ordered = deque(self.window), self.ordered
        recent = deque(self.recent, maxlen=run)
        out = []
        for x in values:
            if x != x:
                out.append(0.0)
                continue
            recent.append(x)
            size = len(ordered)
            if size < warmup:
                out.append(0.0)
            else:
                lo, hi = ordered[0], ordered[-1]
                record = max(x - hi, lo - x) / (hi - lo + _TINY * (abs(hi) + 1.0))
                excess = record
                if weight > 0 and len(recent) == run:
                    excess = max(excess, weight * self._shift(ordered, recent))
                out.append(squash(excess, self.sharpness))
            bisect.insort(ordered, x)
            window.append(x)
            if len(window) > history:
                del ordered[bisect.bisect_left(ordered, window.popleft())]
        self.window, self.recent = list(window), list(recent)
        return out

    def _shift(self, ordered: list[float], recent: deque[float]) -> float:
        """Return how far the recent median lies outside the history's quantile band."""
        size = len(ordered)
        top = ordered[min(size - 1, int(self.quantile * (size - 1) + 0.5))]
        bottom = ordered[max(0, int((1.0 - self.quantile) * (size - 1) + 0.5))]
        middle = sorted(recent)[len(recent) // 2]
        width = top - bottom + _TINY * (abs(top) + 1.0)
        return max(middle - top, bottom - middle) / width
