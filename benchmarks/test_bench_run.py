"""Benchmark of the default closed-loop run: one simulated hour of the brief's walkthrough.

Target: under 5 s of wall time on 2 cores, interpreter start-up excluded. Run with
``make bench`` (benchmarks are not part of ``make test``).
"""

from __future__ import annotations

from typing import Any

from experiments.compose import load_config
from experiments.loop import LoopResult, run_loop


def test_one_simulated_hour_of_the_default_run(benchmark: Any) -> None:
    config = load_config(["tracking=none"])
    result: LoopResult = benchmark.pedantic(run_loop, args=(config,), rounds=5, iterations=1)
    assert result.sim_seconds == 3600.0
    assert result.dos.incidents, "the walkthrough opens an incident"


def test_one_simulated_hour_with_every_output_written(benchmark: Any, tmp_path: Any) -> None:
    from experiments.runner import execute

    config = load_config(["tracking=none", f"results_dir={tmp_path}"])
    outcome = benchmark.pedantic(
        execute, args=(config,), kwargs={"echo": False}, rounds=3, iterations=1
    )
    assert outcome.scores["detected"] == 1
