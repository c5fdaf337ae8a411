"""The twin: the cluster, the service model, the faults and the telemetry on one SimPy clock.

SimPy schedules only the discrete events: faults starting and ending, pods becoming ready,
actions taking effect (and whatever the harness adds, such as DOS's evaluations). Between
two of them nothing structural changes, so the model advances lazily: whenever an event is
about to change the pods, or someone polls, the twin runs the model over every tick since
it last did, split only at scrape instants. At each scrape it records the metrics, judges
health and emits the interval's logs and traces. Because every random stream serves one
purpose and draws tick by tick, when the twin is polled does not change what it produces.
"""

from __future__ import annotations

import logging
import math

import simpy

from dos.telemetry import TelemetryBatch
from sim.actuator import ClusterActuator
from sim.cluster import Cluster, Pod
from sim.errors import TimingError
from sim.faults import FaultRecord
from sim.health import HealthJudge, HealthRecord
from sim.injector import FaultInjector
from sim.interval import Interval
from sim.logs import LogEmitter
from sim.metrics import MetricsEmitter
from sim.model import ServiceModel
from sim.rng import SeedStreams
from sim.scenario import Scenario
from sim.spans import SpanSampler
from sim.topology import Topology

__all__ = ["Twin", "check_timing"]

logger = logging.getLogger(__name__)


class Twin:
    """A simulated Kubernetes system under a scenario, seeded and deterministic.

    ``trace_rate`` is the number of whole requests traced per simulated second.
    """

    def __init__(
        self,
        topology: Topology,
        scenario: Scenario,
        *,
        seed: int = 0,
        scrape_interval: float = 15.0,
        tick: float = 1.0,
        duration: float = 3600.0,
        trace_rate: float = 0.2,
    ) -> None:
        self._ticks_per_scrape = check_timing(tick, scrape_interval, duration, trace_rate)
        self.topology = topology
        self.scenario = scenario
        self.seed = seed
        self.tick = tick
        self.scrape_interval = scrape_interval
        self.duration = duration
        self.env = simpy.Environment()
        streams = SeedStreams(seed)
        self._model = ServiceModel(topology, streams, tick)
        self._cluster = Cluster(topology, self.env, streams.generator("cluster.names"), self)
        self._faults = FaultInjector(
            scenario, self.env, self._cluster, self._model, streams, self._sync
        )
        self.actuator = ClusterActuator(
            self._cluster, self.env, streams.generator("actuator"), topology.cluster
        )
        self._metrics = MetricsEmitter(self._cluster, self._model, streams.generator("metrics"))
        self._logs = LogEmitter(self._cluster, self._model.traffic, streams.generator("logs"))
        self._spans = SpanSampler(
            topology, self._model.traffic, streams.generator("spans"), trace_rate
        )
        self._judge = HealthJudge(topology)
        self._pending = TelemetryBatch()
        self._health: list[HealthRecord] = []
        self._done_ticks = 0
        self._scrapes = 0
        self._interval = Interval(0.0, 0.0, tick, len(topology.services))
        self._cluster.start()
        self._faults.start()
        self._sync()

    @property
    def cluster(self) -> Cluster:
        """Return the simulated cluster (pods and deployments)."""
        return self._cluster

    @property
    def model(self) -> ServiceModel:
        """Return the service model."""
        return self._model

    def run(self, until: float) -> None:
        """Advance the clock to ``until``, running every process the environment holds."""
        self.env.run(until=until)
        self._sync()

    def poll(self, until: float) -> TelemetryBatch:
        """Return the records with timestamps up to ``until`` not returned before.

        Nothing exists beyond the clock: ``until`` past ``env.now`` returns what exists now.
        """
        self._advance(min(until, self.env.now))
        self._collect_cluster_records()
        return _take(self._pending, until)

    def ground_truth(self) -> list[FaultRecord]:
        """Return every started fault with its start, end and how it ended."""
        return self._faults.records(self.duration)

    def health_log(self) -> list[HealthRecord]:
        """Return the health verdicts of every service at every scrape so far."""
        self._sync()
        return list(self._health)

    # The cluster's observer: keep the model in step with the pods.

    def before_change(self) -> None:
        """Run the model up to now before the pods change."""
        self._sync()

    def after_change(self) -> None:
        """Lay the model out over the pods as they now are."""
        self._model.set_pods(self._cluster.pods)

    def pod_deleted(self, pod: Pod) -> None:
        """End the faults running in a deleted pod."""
        self._faults.pod_deleted(pod)

    def _sync(self) -> None:
        """Run the model up to the current time."""
        self._advance(self.env.now)

    def _advance(self, until: float) -> None:
        """Run the model's ticks up to ``until``, scraping at every scrape instant passed."""
        self._collect_cluster_records()
        target = math.floor(min(until, self.duration) / self.tick + 1e-9)
        while self._scrapes * self._ticks_per_scrape <= target:
            scrape_tick = self._scrapes * self._ticks_per_scrape
            self._run_to(scrape_tick)
            self._scrape(scrape_tick * self.tick)
            self._scrapes += 1
        self._run_to(target)

    def _run_to(self, tick: int) -> None:
        """Run the model from the last tick run up to ``tick``."""
        if tick > self._done_ticks:
            block = self._model.run(self._done_ticks, tick - self._done_ticks)
            self._interval.blocks.append(block)
            self._done_ticks = tick

    def _scrape(self, at: float) -> None:
        """Record the scrape at ``at`` and everything about the interval it closes."""
        pending, interval = self._pending, self._interval
        pending.metrics.append(self._metrics.scrape(at))
        if self._scrapes > 0:
            interval.end = at
            self._health.extend(self._judge.judge(interval, self._cluster))
            pending.logs.extend(self._logs.emit(interval))
            pending.spans.extend(self._spans.sample(interval))
        self._interval = Interval(at, at, self.tick, len(self.topology.services))

    def _collect_cluster_records(self) -> None:
        """Move the cluster's events and lifecycle logs into the pending telemetry."""
        self._pending.events.extend(self._cluster.events)
        self._pending.logs.extend(self._cluster.logs)
        self._cluster.events.clear()
        self._cluster.logs.clear()


def check_timing(tick: float, scrape_interval: float, duration: float, trace_rate: float) -> int:
    """Check the clock settings; return the ticks per scrape interval."""
    if not tick > 0 or not math.isfinite(tick):
        raise TimingError.at("twin", "tick", tick, "a positive number of seconds")
    if not duration > 0 or not math.isfinite(duration):
        raise TimingError.at("twin", "duration", duration, "a positive number of seconds")
    if not trace_rate >= 0:
        raise TimingError.at("twin", "trace_rate", trace_rate, "traces per second, 0 or more")
    ticks = round(scrape_interval / tick)
    if ticks < 1 or abs(ticks * tick - scrape_interval) > 1e-9 * scrape_interval:
        expected = f"a positive whole multiple of the tick ({tick:g}s)"
        raise TimingError.at("twin", "scrape_interval", scrape_interval, expected)
    return ticks


def _take(batch: TelemetryBatch, until: float) -> TelemetryBatch:
    """Remove from ``batch`` and return its records timed at or before ``until``."""
    out = TelemetryBatch(
        metrics=[m for m in batch.metrics if m.timestamp <= until],
        logs=[r for r in batch.logs if r.timestamp <= until],
        spans=[s for s in batch.spans if s.start <= until],
        events=[e for e in batch.events if e.timestamp <= until],
    )
    batch.metrics = [m for m in batch.metrics if m.timestamp > until]
    batch.logs = [r for r in batch.logs if r.timestamp > until]
    batch.spans = [s for s in batch.spans if s.start > until]
    batch.events = [e for e in batch.events if e.timestamp > until]
    return out
