"""EWMA z-score: distance from an exponentially weighted mean, in adaptive standard deviations.

The mean and the variance are exponentially weighted with a half-life counted in
samples, so both follow slow drifts. A deviation beyond ``clip`` standard deviations is
clipped before it updates the estimates (a winsorised, Huber-like update), so one outlier
neither drags the mean nor inflates the variance for long; ``clip = 0`` turns that off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from dos.detect.detectors.base import STATE, StreamingDetector
from dos.errors import ConfigError

__all__ = ["EWMAZScore"]

_TINY = 1e-12


@dataclass
class EWMAZScore(StreamingDetector):
    """Score each sample by its z-score against an EWMA baseline with adaptive variance.

    The score ``z / (z + threshold)`` is 0.5 at ``z == threshold`` and never saturates;
    the first ``warmup`` samples only train the baseline and score 0.
    """

    key: ClassVar[str] = "ewma"
    half_life: float = 288.0
    threshold: float = 4.0
    clip: float = 0.0
    warmup: int = 30
    mean: float = field(default=math.nan, init=False, metadata=STATE)
    variance: float = field(default=0.0, init=False, metadata=STATE)
    seen: int = field(default=0, init=False, metadata=STATE)

    def _check(self) -> None:
        if not self.half_life > 0:
            raise ConfigError("ewma.half_life", self.half_life, "a positive number of samples")
        if self.clip < 0:
            raise ConfigError("ewma.clip", self.clip, "0 (no clipping) or more")
        if not self.threshold > 0:
            raise ConfigError("ewma.threshold", self.threshold, "a positive z-score")

    def _run(self, times: list[float], values: list[float]) -> list[float]:
        alpha = 1.0 - 0.5 ** (1.0 / self.half_life)
        threshold, clip, warmup = self.threshold, self.clip, self.warmup
        mean, variance, seen = self.mean, self.variance, self.seen
        out = []
        for x in values:
            if x != x:  # a gap
                out.append(0.0)
                continue
            if seen == 0:
                mean = x
            dev = x - mean
            sd = math.sqrt(variance) + _TINY * (abs(mean) + 1.0)
            z = abs(dev) / sd
            out.append(z / (z + threshold) if seen >= warmup else 0.0)
            if clip and seen >= warmup and z > clip:
                dev = math.copysign(clip * sd, dev)
            rate = max(alpha, 1.0 / (seen + 1.0))  # a plain average while few samples are in
            mean += rate * dev
            variance = (1.0 - rate) * (variance + rate * dev * dev)
            seen += 1
        self.mean, self.variance, self.seen = mean, variance, seen
        return out
