"""What the rule unit-test runner's tests share: the real promtool and the public cases."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


class Promtool:
    """Prometheus' promtool, run as a user runs it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run promtool with ``args`` in ``cwd``."""
        return subprocess.run(
            [self.path, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
        )


@pytest.fixture(scope="session")
def promtool() -> Promtool:
    """The real promtool; the tests fail (never skip) without it."""
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: these tests need Prometheus' promtool 2.42 "
            "(Debian package 'prometheus'; .ci/run installs it)"
        )
    return Promtool(path)


@pytest.fixture(scope="session")
def shared_cases() -> Path:
    """The public promtool cases beside the checkout (``../shared/cases/promtool``)."""
    folder = REPO_ROOT.parent / "shared" / "cases" / "promtool"
    if not folder.is_dir():
        pytest.fail(f"the public promtool cases are missing: expected them in {folder}")
    return folder
