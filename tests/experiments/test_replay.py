"""``dos-replay``: outputs on disk, NAB's table beside the published detectors, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dos.errors import ConfigError
from experiments.replay import ReplaySettings, default_nab_root, format_table, run_replay

ROOT = Path(__file__).resolve().parents[2]


def test_the_nab_corpus_is_where_the_app_looks_for_it() -> None:
    assert default_nab_root() == ROOT.parent / "shared" / "data" / "nab"
    assert default_nab_root().is_dir(), f"NAB's corpus is missing at {default_nab_root()}"


def test_nab_replay_writes_scores_alerts_and_the_table(tmp_path: Path) -> None:
    settings = ReplaySettings(source="nab", detectors=["novelty", "ewma"])
    table = run_replay(settings, tmp_path)
    saved = json.loads((tmp_path / "nab_scores.json").read_text())
    assert saved.keys() == table.keys()
    for name, row in table.items():
        assert saved[name] == pytest.approx(row)
    assert set(saved["dos:novelty"]) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    assert round(saved["numenta"]["standard"], 2) == 73.42
    assert saved["dos:novelty"]["standard"] > saved["dos:ewma"]["standard"]
    details = json.loads((tmp_path / "nab_details.json").read_text())
    delays = details["novelty"]["delays"]
    assert delays["detected"] + delays["missed"] == delays["windows"] == 30
    rows = pd.read_csv(tmp_path / "scores" / "novelty" / "realAWSCloudwatch_grok_asg_anomaly.csv")
    assert list(rows.columns) == ["timestamp", "value", "score", "alarm", "label"]
    assert len(rows) == 4621
    threshold = details["novelty"]["thresholds"]["standard"]
    assert ((rows["score"] >= threshold).astype(int) == rows["alarm"]).all()
    alerts = pd.read_csv(tmp_path / "alerts.csv")
    assert set(alerts["detector"]) == {"novelty", "ewma"}
    assert "dos:novelty" in format_table(table)


def test_csv_replay_runs_a_detector_and_a_rule(tmp_path: Path) -> None:
    path = tmp_path / "cpu.csv"
    lines = [f"{60 * i},{99 if 100 <= i < 105 else 40 + (i % 3)}" for i in range(200)]
    path.write_text("timestamp,value\n" + "\n".join(lines) + "\n")
    settings = ReplaySettings(
        source="csv",
        paths=[str(path)],
        detectors=["ewma", "rule"],
        settings={"rule": {"expr": "value > 90", "for": "2m"}},
    )
    assert run_replay(settings, tmp_path / "out") == {}
    alerts = pd.read_csv(tmp_path / "out" / "alerts.csv")
    rule = alerts[alerts["detector"] == "rule"]
    assert rule["start"].tolist() == ["1970-01-01T01:42:00Z"]
    assert (alerts["detector"] == "ewma").any()


def test_a_bad_source_is_refused_with_its_key() -> None:
    with pytest.raises(ConfigError, match="source"):
        ReplaySettings(source="kafka").validate()
    with pytest.raises(ConfigError, match="paths"):
        ReplaySettings(source="csv").validate()


@pytest.mark.slow
def test_the_command_line_prints_the_table_and_reports_bad_input(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "experiments.replay", f"output_dir={tmp_path}"]
    done = subprocess.run(
        [*command, "detectors=[novelty]"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "dos:novelty" in done.stdout
    assert "numenta" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,value\n10,1\n10,2\n")
    failed = subprocess.run(
        [*command, "source=csv", f"paths=[{bad}]"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert failed.returncode == 2
    assert "rows 1 and 2: duplicate timestamp" in failed.stderr
