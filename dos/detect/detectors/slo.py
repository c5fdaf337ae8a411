"""SLO burn-rate alerts over several windows, as the SRE workbook sets them.

The input is the error ratio of each sample interval (bad events / all events). The burn
rate over a window is its mean error ratio divided by the error budget ``1 - objective``.
Each (long window, short window, factor) triple fires when both windows burn faster than
``factor``: 1 h and 5 m at 14.4x, 6 h and 30 m at 6x, 3 d and 6 h at 1x by default. The
score is ``b / (b + 1)`` of the strongest pair's ``min(long, short) / factor``, so it is
0.5 exactly when a pair reaches its factor. Windows are counted in samples of ``step``
seconds; a window not yet full uses the samples it has.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

from dos.detect.detectors.base import STATE, StreamingDetector
from dos.errors import ConfigError

__all__ = ["DEFAULT_BURN_WINDOWS", "SLOBurnRate"]

DEFAULT_BURN_WINDOWS: tuple[tuple[float, float, float], ...] = (
    (3600.0, 300.0, 14.4),
    (21600.0, 1800.0, 6.0),
    (259200.0, 21600.0, 1.0),
)


@dataclass
class SLOBurnRate(StreamingDetector):
    """Multi-window, multi-burn-rate alerting on an error-ratio series."""

    key: ClassVar[str] = "slo"
    objective: float = 0.999
    step: float = 15.0
    windows: list[list[float]] = field(
        default_factory=lambda: [list(w) for w in DEFAULT_BURN_WINDOWS]
    )
    buffer: list[float] = field(default_factory=list, init=False, metadata=STATE)
    sums: list[float] = field(default_factory=list, init=False, metadata=STATE)

    def _check(self) -> None:
        if not 0 < self.objective < 1:
            raise ConfigError("slo.objective", self.objective, "a fraction such as 0.999")
        if not self.step > 0:
            raise ConfigError("slo.step", self.step, "a positive number of seconds")
        for i, triple in enumerate(self.windows):
            if len(triple) != 3 or min(triple) <= 0 or triple[1] > triple[0]:
                raise ConfigError(
                    f"slo.windows[{i}]", triple, "[long, short, factor], short <= long, all > 0"
                )

    def _sizes(self) -> list[int]:
        return [max(1, round(w / self.step)) for triple in self.windows for w in triple[:2]]

    def _run(self, times: list[float], values: list[float]) -> list[float]:
        sizes = self._sizes()
        longest = max(sizes)
        budget = 1.0 - self.objective
        factors = [triple[2] for triple in self.windows]
        buffer = deque(self.buffer, maxlen=longest)
        sums = self.sums or [0.0] * len(sizes)
        out = []
        for x in values:
            if x != x:
                out.append(0.0)
                continue
            for i, size in enumerate(sizes):
                sums[i] += x
                if len(buffer) >= size:
                    sums[i] -= buffer[-size]
            buffer.append(x)
            held = len(buffer)
            strongest = 0.0
            for j, factor in enumerate(factors):
                long_rate = sums[2 * j] / min(held, sizes[2 * j]) / budget
                short_rate = sums[2 * j + 1] / min(held, sizes[2 * j + 1]) / budget
                strongest = max(strongest, min(long_rate, short_rate) / factor)
            out.append(strongest / (strongest + 1.0))
        self.buffer, self.sums = list(buffer), sums
        return out
