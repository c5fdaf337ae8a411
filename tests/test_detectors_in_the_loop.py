"""Anomaly detectors raise alerts in the closed loop beside the rules, when turned on."""

from __future__ import annotations

import pytest

from experiments.compose import load_config
from experiments.loop import run_loop

pytestmark = pytest.mark.slow


def fired(overrides: list[str]) -> dict[str, float]:
    result = run_loop(load_config(["tracking=none", "duration=30m", *overrides]))
    return {
        change.name: change.timestamp
        for change in reversed(result.dos.transitions)
        if change.current == "firing"
    }


def test_a_detector_catches_the_short_stress_the_five_minute_rule_misses() -> None:
    names = fired(["scenario=cpu_stress_brief", "dos.detectors.enabled=true"])
    assert "CPUHigh" not in names
    # The stress starts at 10 min and lasts 5: the detector fires inside it.
    assert 600.0 < names["MetricAnomaly"] < 900.0


def test_the_default_loop_runs_the_rules_alone() -> None:
    names = fired(["scenario=cpu_stress_brief"])
    assert names == {}
