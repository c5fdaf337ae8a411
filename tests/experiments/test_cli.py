"""``dos-run`` as a user runs it: a console script, with Hydra's command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DOS_RUN = Path(sys.executable).parent / "dos-run"


def dos_run(*overrides: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOS_RUN), *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("duration=-1h", ["duration", "'-1h'", "a positive duration"]),
        ("scenario.faults.0.target=nosuch", ["faults[0].target", "'nosuch'", "frontend"]),
        ("+dos.rules.cpu_high.treshold=80", ["treshold", "threshold"]),
    ],
)
def test_a_bad_value_fails_before_running_with_a_message_not_a_traceback(
    tmp_path: Path, override: str, words: list[str]
) -> None:
    done = dos_run(override, f"results_dir={tmp_path}", "tracking=none", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_an_unknown_option_is_refused_by_hydra(tmp_path: Path) -> None:
    done = dos_run("durration=2h", f"results_dir={tmp_path}", cwd=tmp_path)
    assert done.returncode != 0
    assert "durration" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_run_prints_its_timeline_and_scores_and_writes_its_folder(tmp_path: Path) -> None:
    done = dos_run("duration=30m", f"results_dir={tmp_path}", "tracking=none", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "CPUHigh firing on frontend/" in done.stdout
    assert "== scores ==" in done.stdout
    (run_dir,) = (tmp_path / "runs").iterdir()
    scores = json.loads((run_dir / "scores.json").read_text())
    assert scores["sim_seconds"] == 1800.0
    assert scores["detected"] == 1
