"""``dos-rules check`` and ``dos-rules test`` as a user runs them, side by side with promtool."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.promtool

GOOD = """\
groups:
  - name: api
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
      - alert: Errors
        expr: job:errors:rate5m > 1
        for: 5m
        annotations:
          summary: '{{ $labels.job }} fails {{ $value | humanize }} times a second'
"""

BAD = """\
groups:
  - name: api
    rules:
      - alert: Broken
        expr: sum(rate(errors_total[5m])
      - alert: Slow
        expr: latency > 1
        for: 5 minutes
      - record: 1bad
        expr: up
"""

TEST = """\
rule_files: [good.yml]
tests:
  - interval: 1m
    input_series:
      - {series: 'errors_total{job="api"}', values: 0+120x15}
    alert_rule_test:
      - {eval_time: 5m, alertname: Errors}
      - eval_time: 10m
        alertname: Errors
        exp_alerts:
          - exp_labels: {job: api}
            exp_annotations: {summary: api fails 2 times a second}
"""


def dos_rules(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "experiments.rules_cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: these tests need Prometheus' promtool 2.42 "
            "(Debian package 'prometheus'; .ci/run installs it)"
        )
    return subprocess.run(
        [path, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "good.yml").write_text(GOOD)
    (tmp_path / "bad.yml").write_text(BAD)
    (tmp_path / "test.yml").write_text(TEST)
    return tmp_path


def test_check_prints_what_promtool_prints_for_good_files(files: Path) -> None:
    ours = dos_rules("check", "good.yml", cwd=files)
    theirs = promtool("check", "rules", "good.yml", cwd=files)
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, theirs.stdout, theirs.stderr)
    assert "SUCCESS: 2 rules found" in ours.stdout


def test_check_lists_every_mistake_with_its_file_group_rule_and_line(files: Path) -> None:
    ours = dos_rules("check", "bad.yml", "good.yml", cwd=files)
    theirs = promtool("check", "rules", "bad.yml", "good.yml", cwd=files)
    assert (ours.returncode, theirs.returncode) == (1, 1)
    assert ours.stdout == theirs.stdout
    assert "Traceback" not in ours.stderr
    failed, *errors = ours.stderr.splitlines()
    assert failed == "  FAILED:"
    assert errors == [
        "bad.yml: group 'api', rule 1 (alert 'Broken') (line 5): could not parse expression: "
        "parse error: unclosed left parenthesis",
        "bad.yml: group 'api', rule 2 (alert 'Slow') (line 8): for '5 minutes' is not a valid "
        "duration (such as 30s, 5m, 1h30m)",
        "bad.yml: group 'api', rule 3 (record '1bad') (line 9): invalid recording rule name: "
        "'1bad'",
    ]


def test_test_passes_and_fails_as_promtool_does(files: Path) -> None:
    ours = dos_rules("test", "test.yml", cwd=files)
    theirs = promtool("test", "rules", "test.yml", cwd=files)
    assert (ours.returncode, ours.stdout, ours.stderr) == (0, theirs.stdout, theirs.stderr)
    (files / "test.yml").write_text(TEST.replace("2 times", "3 times"))
    ours = dos_rules("test", "test.yml", cwd=files)
    theirs = promtool("test", "rules", "test.yml", cwd=files)
    assert (ours.returncode, ours.stdout, ours.stderr) == (1, theirs.stdout, theirs.stderr)
    assert "exp_annotations" not in ours.stderr
    assert 'Annotations:{summary="api fails 2 times a second"}' in ours.stderr


def test_a_test_file_naming_a_missing_rule_file_fails_naming_both(files: Path) -> None:
    (files / "test.yml").write_text(TEST.replace("good.yml", "gone.yml"))
    done = dos_rules("test", "test.yml", cwd=files)
    assert done.returncode == 1
    assert "test.yml: rule_files[0] (line 1): no file matches 'gone.yml'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("test", "nosuch.yml"), "dos-rules: error: path 'nosuch.yml' does not exist"),
        (("check",), "the following arguments are required: FILE"),
        (("lint", "good.yml"), "invalid choice: 'lint'"),
    ],
)
def test_a_bad_command_line_exits_1_with_a_message(
    files: Path, args: tuple[str, ...], message: str
) -> None:
    done = dos_rules(*args, cwd=files)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
