"""The real promtool as the oracle of the PromQL tests.

``run_promtool`` runs ``promtool test rules`` once on many test files and returns, per
file, what promtool reported against it (empty when it passed). ``check_exprs`` turns
expression cases into ``promql_expr_test`` files whose expectations are this engine's
answers, so that promtool passing means both agree; where the engine raises, promtool
must raise the same error.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import yaml

from dos.detect.promtool_series import load_series
from dos.errors import QueryError
from dos.promql import Engine
from dos.tsdb import SeriesStore

RunPromtool = Callable[[list[Path]], dict[Path, str]]
ExprCase = tuple[str, dict[str, str], list[tuple[str, str]], str]
"""A name, input series (selector to values), (expression, eval time) pairs, the interval."""

_SECTION = re.compile(r"^Unit Testing:\s+(?P<file>\S+)\s*$", re.MULTILINE)
# promtool's report of a failed expression test: what was expected and what it got.
_FAILED = re.compile(
    r'expr: "(?P<expr>.*)", time: (?P<time>\S+),\n\s+exp: (?P<exp>.*)\n\s+got: (?P<got>.*)'
)
_SAMPLE = re.compile(r"(\{[^}]*\}) ([^,\s]+)")
# Prometheus folds an aggregation's elements in series-creation order, which promtool
# randomises (it loads series from a Go map): sums and means may differ in the last bits.
_ORDER_DEPENDENT = re.compile(r"\b(sum|avg|stddev|stdvar|quantile)\s*(\(|by\b|without\b)")
# Go computes these with its own code, the engine with the C library: the last bit may differ.
_LIBRARY_MATH = re.compile(r"\b(exp|a?(sin|cos|tan)h?)\(")


@pytest.fixture(scope="session")
def run_promtool() -> RunPromtool:
    """Return a function running promtool on test files: file -> its failures ('' if none)."""
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: the differential tests need Prometheus' promtool 2.42 "
            "(Debian package 'prometheus'; .ci/run installs it)"
        )

    # promtool opens a TSDB in a temporary folder per test group: keep it in memory if we can.
    env = dict(os.environ)
    if os.access("/dev/shm", os.W_OK):
        env["TMPDIR"] = "/dev/shm"

    def run(files: list[Path]) -> dict[Path, str]:
        """Run promtool once on every file."""
        done = subprocess.run(
            [path, "test", "rules", *map(str, files)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            env=env,
        )
        return _sections(done.stdout, files)

    return run


def _sections(output: str, files: list[Path]) -> dict[Path, str]:
    """Split promtool's output into each file's report; a passed file's report is ''."""
    by_name = {str(f): f for f in files}
    marks = list(_SECTION.finditer(output))
    if len(marks) != len(files):
        return dict.fromkeys(files, output or "promtool printed nothing")
    out = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = output[mark.end() : following.start() if following else len(output)]
        out[by_name[mark["file"]]] = "" if "SUCCESS" in body else body.strip() or "FAILED"
    return out


@pytest.fixture
def check_exprs(
    run_promtool: RunPromtool, tmp_path: Path
) -> Callable[[Iterable[ExprCase]], dict[str, list[str]]]:
    """Return a function checking expression cases against promtool: name -> problems."""

    def check(cases: Iterable[ExprCase]) -> dict[str, list[str]]:
        """Write every case's files, run promtool once, collect what disagrees."""
        (tmp_path / "rules.yml").write_text("groups: []\n")
        files: dict[Path, tuple[str, str | None]] = {}
        problems: dict[str, list[str]] = {}
        for index, (name, series, queries, interval) in enumerate(cases):
            problems[name] = []
            tests, errors = _expectations(series, queries, interval)
            if tests:
                path = _write(tmp_path / f"case{index}.yml", series, tests, interval)
                files[path] = (name, None)
            for k, (expr, at, reason) in enumerate(errors):
                test = [{"expr": expr, "eval_time": at}]
                path = _write(tmp_path / f"case{index}_error{k}.yml", series, test, interval)
                files[path] = (name, reason)
        if files:
            for path, report in run_promtool(list(files)).items():
                name, reason = files[path]
                problem = _problem(report, reason)
                if problem:
                    problems[name].append(f"{path.name}: {problem}")
        return problems

    return check


def _expectations(
    series: dict[str, str], queries: list[tuple[str, str]], interval: str
) -> tuple[list[dict[str, object]], list[tuple[str, str, str]]]:
    """Evaluate each query with this engine: expression tests, and the queries that raised."""
    store = SeriesStore()
    load_series(store, series, seconds(interval))
    engine = Engine(store, subquery_step=seconds(interval))
    tests: list[dict[str, object]] = []
    errors = []
    for expr, at in queries:
        try:
            samples = engine.instant(expr, seconds(at))
        except QueryError as exc:
            errors.append((expr, at, exc.reason))
            continue
        expected = [{"labels": labels_text(dict(s.labels)), "value": s.value} for s in samples]
        tests.append({"expr": expr, "eval_time": at, "exp_samples": expected})
    return tests, errors


def _write(
    path: Path, series: dict[str, str], tests: list[dict[str, object]], interval: str
) -> Path:
    suite = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": interval,
        "tests": [
            {
                "interval": interval,
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "promql_expr_test": tests,
            }
        ],
    }
    path.write_text(yaml.safe_dump(suite, sort_keys=False))
    return path


def _problem(report: str, reason: str | None) -> str:
    """Return what is wrong with promtool's report on a file ('' if nothing)."""
    if reason is None:
        return "\n".join(_unexplained(report)) if report else ""
    if "err:" not in report:
        return f"the engine raised {reason!r} but promtool did not:\n{report}"
    # Which two series a duplicate error names depends on promtool's random load order.
    shown = re.sub(r"\[.*\]", "[...]", reason)
    if shown not in re.sub(r"\[.*\]", "[...]", report):
        return f"the engine raised {reason!r}, promtool something else:\n{report}"
    return ""


def _unexplained(report: str) -> list[str]:
    """Return promtool's failures that are not NaN != NaN or order-dependent rounding."""
    failures = report.count("expr: ")
    if failures == 0:  # promtool failed before comparing anything
        return [report]
    explained = 0
    for block in _FAILED.finditer(report):
        tolerance = 0.0
        if _ORDER_DEPENDENT.search(block["expr"]) or _LIBRARY_MATH.search(block["expr"]):
            tolerance = 1e-12
        if _same(_samples(block["exp"]), _samples(block["got"]), tolerance):
            explained += 1
    return [] if explained == failures else [report]


def _samples(text: str) -> dict[str, float]:
    return {re.sub(r"\s", "", labels): float(value) for labels, value in _SAMPLE.findall(text)}


def _same(expected: dict[str, float], got: dict[str, float], tolerance: float) -> bool:
    if expected.keys() != got.keys():
        return False
    for labels, value in expected.items():
        other = got[labels]
        both_nan = math.isnan(value) and math.isnan(other)
        if not (both_nan or math.isclose(value, other, rel_tol=tolerance, abs_tol=0.0)):
            return False
    return True


def labels_text(labels: dict[str, str]) -> str:
    """Write a label set as promtool's expectations read it."""
    name = labels.get("__name__", "")
    body = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{body}}}"


def seconds(text: str) -> float:
    """Read a promtool duration such as ``1m30s`` (s, m, h, d)."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)", text):
        total += int(number) * units[unit]
    return total
