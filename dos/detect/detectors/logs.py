"""Log anomalies: error templates that are new, or surging above their usual rate.

Messages are clustered into templates by drain3's template miner (the Drain algorithm),
so ``timeout after 1532 ms calling cart`` and ``timeout after 87 ms calling cart`` are
one template. Per service and template the detector counts the lines (a record's
``count`` included) of each evaluation interval and keeps an exponentially weighted
mean of those counts. At an evaluation a template is anomalous when it was never seen
before (after a learning period of ``learn_for`` seconds) or when its count exceeds
``surge`` times its usual count plus ``min_count``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from dos.telemetry import LogRecord

__all__ = ["LogAnomaly", "LogTemplateDetector"]


@dataclass(frozen=True, slots=True)
class LogAnomaly:
    """A template that is new or surging in one service's logs over an interval."""

    service: str
    template: str
    count: int
    usual: float
    kind: str  # "new" or "surge"
    score: float


@dataclass
class LogTemplateDetector:
    """Detect new or surging error (and warning) templates per service."""

    levels: tuple[str, ...] = ("error",)
    learn_for: float = 900.0
    surge: float = 5.0
    min_count: int = 5
    half_life: int = 20
    _miner: TemplateMiner = field(init=False, repr=False)
    _counts: dict[tuple[str, int], int] = field(init=False, default_factory=dict)
    _usual: dict[tuple[str, int], float] = field(init=False, default_factory=dict)
    _start: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        config = TemplateMinerConfig()
        config.profiling_enabled = False
        self._miner = TemplateMiner(config=config)

    def observe(self, records: Iterable[LogRecord]) -> None:
        """Count the records of the watched levels by service and template."""
        for record in records:
            if self._start is None:
                self._start = record.timestamp
            if record.level not in self.levels:
                continue
            result = self._miner.add_log_message(record.message)
            key = (record.service, int(result["cluster_id"]))
            self._counts[key] = self._counts.get(key, 0) + record.count

    def evaluate(self, now: float) -> list[LogAnomaly]:
        """Return the anomalies of the interval since the last evaluation, then learn it."""
        learning = self._start is None or now - self._start < self.learn_for
        alpha = 1.0 - 0.5 ** (1.0 / self.half_life)
        found = []
        for key in sorted(self._counts.keys() | self._usual.keys()):
            count = self._counts.get(key, 0)
            usual = self._usual.get(key)
            if not learning and count:
                found.extend(self._judge(key, count, usual))
            self._usual[key] = float(count) if usual is None else usual + alpha * (count - usual)
        self._counts.clear()
        return found

    def _judge(self, key: tuple[str, int], count: int, usual: float | None) -> list[LogAnomaly]:
        service, cluster = key
        template = self._template(cluster)
        if usual is None:
            return [LogAnomaly(service, template, count, 0.0, "new", 1.0)]
        limit = self.surge * usual + self.min_count
        if count <= limit:
            return []
        ratio = count / limit
        return [LogAnomaly(service, template, count, usual, "surge", ratio / (ratio + 1.0))]

    def _template(self, cluster: int) -> str:
        for found in self._miner.drain.clusters:
            if found.cluster_id == cluster:
                return str(found.get_template())
        return ""
