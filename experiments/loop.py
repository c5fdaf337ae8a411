"""The closed loop: the twin's telemetry feeds DOS, and DOS's actions change the twin.

Both run on one SimPy clock. The twin schedules its own events (load blocks, scrapes, faults,
pod start-ups); DOS evaluates every ``eval_interval``: it polls the telemetry produced since its
last evaluation, ingests it and takes one step (rules, alerts, incidents, RCA, remediation,
verification). Actions go through the twin's actuator and take effect in simulated time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from dos.core import DOS
from dos.durations import parse_duration
from dos.telemetry import TelemetryBatch
from experiments.config import RunConfig
from sim.twin import Twin

__all__ = ["LoopResult", "run_loop"]

logger = logging.getLogger(__name__)

Progress = Callable[[float, float], None]


@dataclass
class LoopResult:
    """What a finished loop leaves for scoring and reporting."""

    twin: Twin
    dos: DOS
    telemetry: TelemetryBatch
    sim_seconds: float
    wall_seconds: float


def run_loop(config: RunConfig, progress: Progress | None = None) -> LoopResult:
    """Run the twin and DOS together for ``config.duration`` simulated seconds."""
    started = time.perf_counter()
    twin = Twin(
        config.topology,
        config.scenario,
        seed=config.seed,
        scrape_interval=config.scrape_interval,
        tick=config.tick,
        duration=config.duration,
    )
    dos = DOS(config.dos, twin.actuator, time_origin=config.start_time)
    telemetry = TelemetryBatch()
    interval = parse_duration(config.dos.eval_interval, "dos.eval_interval")
    twin.env.process(_evaluate(twin, dos, telemetry, interval, config.duration, progress))
    twin.run(until=config.duration)
    # Whatever the twin produced after DOS's last evaluation still belongs in the outputs.
    telemetry.extend(twin.poll(config.duration))
    wall = time.perf_counter() - started
    logger.info("loop finished: %.0f simulated s in %.2f wall s", config.duration, wall)
    return LoopResult(twin, dos, telemetry, config.duration, wall)


def _evaluate(
    twin: Twin,
    dos: DOS,
    telemetry: TelemetryBatch,
    interval: float,
    duration: float,
    progress: Progress | None,
) -> Generator[Any, Any, None]:
    """Evaluate DOS every ``interval`` on the twin's clock, as Prometheus' rule manager does."""
    env = twin.env
    while env.now + interval <= duration:
        yield env.timeout(interval)
        batch = twin.poll(env.now)
        telemetry.extend(batch)
        dos.ingest(batch)
        dos.step(env.now)
        if progress is not None:
            progress(env.now, duration)
