"""The public promtool cases (``../shared/cases/promtool``) pass under promtool and DOS alike."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from dos.ruletest import run_test_file
from experiments.rules_cli import check_rules

pytestmark = pytest.mark.promtool

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "cases" / "promtool"


def unit_test_files() -> list[Path]:
    """Every unit-test file of the cases: the YAML files with a top-level ``tests``."""
    found = []
    for path in sorted(CASES.glob("*/*.y*ml")):
        content = yaml.safe_load(path.read_text())
        if isinstance(content, dict) and "tests" in content:
            found.append(path)
    return found


FILES = unit_test_files() if CASES.is_dir() else []


def test_the_public_cases_are_present(shared_cases: Path) -> None:
    assert shared_cases == CASES
    assert len(FILES) >= 4


@pytest.mark.parametrize(
    "path", FILES or [None], ids=[p.parent.name for p in FILES] or ["missing"]
)
def test_a_public_case_passes_under_promtool_and_dos(path: Path | None, promtool: Any) -> None:
    if path is None:
        pytest.fail(f"no public promtool cases found in {CASES}")
    done = promtool.run("test", "rules", path.name, cwd=path.parent)
    assert done.returncode == 0, done.stderr
    outcome = run_test_file(path)
    assert outcome.failures == (), "\n".join(outcome.failures)


@pytest.mark.parametrize(
    "path", FILES or [None], ids=[p.parent.name for p in FILES] or ["missing"]
)
def test_checking_a_public_cases_rule_files_says_what_promtool_says(
    path: Path | None, promtool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path is None:
        pytest.fail(f"no public promtool cases found in {CASES}")
    rule_files = yaml.safe_load(path.read_text())["rule_files"]
    expected = promtool.run("check", "rules", *rule_files, cwd=path.parent)
    monkeypatch.chdir(path.parent)
    out, err = io.StringIO(), io.StringIO()
    code = check_rules(rule_files, out, err)
    assert (code, out.getvalue(), err.getvalue()) == (0, expected.stdout, expected.stderr)
