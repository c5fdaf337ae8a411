"""Same config and seed give the same run: scores (but wall time) and metrics, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments.compose import load_config
from experiments.runner import execute

pytestmark = pytest.mark.slow


def run(results: Path, seed: int) -> Path:
    overrides = [f"results_dir={results}", f"seed={seed}", "tracking=none", "plot=false"]
    return execute(load_config(overrides), echo=False).run_dir


def scores_without_wall_time(run_dir: Path) -> dict[str, object]:
    scores = json.loads((run_dir / "scores.json").read_text())
    return {k: v for k, v in scores.items() if k not in {"wall_seconds", "speedup"}}


def test_the_same_seed_gives_identical_scores_and_metrics(tmp_path: Path) -> None:
    first, second = run(tmp_path, seed=7), run(tmp_path, seed=7)
    assert first != second
    assert scores_without_wall_time(first) == scores_without_wall_time(second)
    metrics = "metrics.parquet"
    assert (first / metrics).read_bytes() == (second / metrics).read_bytes()
    for table in ("alerts.parquet", "actions.parquet", "ground_truth.parquet"):
        assert (first / table).read_bytes() == (second / table).read_bytes(), table


def test_another_seed_gives_other_metrics(tmp_path: Path) -> None:
    first, second = run(tmp_path, seed=1), run(tmp_path, seed=2)
    assert (first / "metrics.parquet").read_bytes() != (second / "metrics.parquet").read_bytes()
