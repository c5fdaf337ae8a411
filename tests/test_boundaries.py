"""The package boundaries of DESIGN.md section 3, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The twin may use DOS's data contracts and small helpers, nothing of its logic.
SIM_MAY_IMPORT_FROM_DOS = {"dos.telemetry", "dos.actions", "dos.durations", "dos.errors"}


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, absolute names only."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_imported_modules_sees_every_import_form(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import sim.twin\nfrom experiments import loop\ndef f():\n    import sim\n")
    assert imported_modules(probe) == ["sim.twin", "experiments", "sim"]


@pytest.mark.parametrize("path", sources("dos"), ids=lambda p: str(p.relative_to(ROOT)))
def test_dos_never_imports_the_twin_or_the_harness(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        assert top not in {"sim", "experiments"}, f"{path.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("path", sources("sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_sim_uses_only_the_data_contracts_of_dos(path: Path) -> None:
    for name in imported_modules(path):
        assert name.split(".")[0] != "experiments", f"{path.relative_to(ROOT)} imports {name}"
        if name.split(".")[0] == "dos":
            assert name in SIM_MAY_IMPORT_FROM_DOS, f"{path.relative_to(ROOT)} imports {name}"


def test_every_package_has_sources() -> None:
    for package in ("dos", "sim", "experiments"):
        assert len(sources(package)) > 1, package
