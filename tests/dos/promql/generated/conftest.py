"""Generated rule tests: random rules over adversarial and twin series, DOS against promtool.

A case is a rule file and input series in promtool's notation. DOS's rule engine evaluates
the rules at every evaluation time; its ``ALERTS`` and ``ALERTS_FOR_STATE`` series at each
of those times become the ``promql_expr_test`` expectations of a promtool unit-test file,
so that ``promtool test rules`` passing means DOS's alerts equal Prometheus' at every
evaluation, pending ones included, with the same ``activeAt``. Each case has its own rule
and test files; one promtool run takes a whole batch of them.

Series are built in :mod:`series` (adversarial) and :mod:`twin` (the twin's telemetry);
rules in :mod:`rulegen`. Those modules sit beside this file and are loaded from here,
since test folders are not packages.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dos.detect.promtool_series import load_series
from dos.detect.rulefile import load_rule_file
from dos.detect.rules import RuleEngine, RuleGroup
from dos.durations import format_duration
from dos.promql import Engine
from dos.tsdb import SeriesStore

RunPromtool = Callable[[list[Path]], dict[Path, str]]
# Both series an alerting rule writes: the alerts with their state, and their activeAt.
_BOTH = '{__name__=~"ALERTS|ALERTS_FOR_STATE"}'
_HERE = Path(__file__).parent


def _load(name: str) -> ModuleType:
    """Load a helper module of this folder under a name no other folder uses."""
    spec = importlib.util.spec_from_file_location(f"generated_rule_tests_{name}", _HERE / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Outcome:
    """What DOS did on a case: its ALERTS at each evaluation, and what promtool said."""

    case: Any
    alerts: dict[float, list[dict[str, str]]]
    errors: list[str]
    report: str = ""

    def states(self) -> set[str]:
        """Every alert state DOS reached in this case."""
        return {a["alertstate"] for found in self.alerts.values() for a in found}


def evaluate(case: Any, rule_path: Path) -> tuple[Outcome, dict[str, object]]:
    """Run DOS on a case; return its outcome and the promtool test that checks it."""
    store = SeriesStore()
    load_series(store, case.series, case.interval)
    groups = load_rule_file(rule_path, default_interval=case.interval)
    engine = Engine(store, subquery_step=case.interval)
    rules = RuleEngine([RuleGroup(g.name, case.interval, g.rules) for g in groups], engine)
    times = [k * case.interval for k in range(case.steps)]
    for t in times:
        rules.evaluate(t)
    errors = [f"{h.rule}: {h.last_error}" for h in rules.health() if h.last_error]
    alerts: dict[float, list[dict[str, str]]] = {}
    tests = []
    for t in times:
        samples = engine.instant(_BOTH, t)
        alerts[t] = [dict(s.labels) for s in samples if s.labels["__name__"] == "ALERTS"]
        expected = [{"labels": _labels_text(dict(s.labels)), "value": s.value} for s in samples]
        tests.append({"expr": _BOTH, "eval_time": format_duration(t), "exp_samples": expected})
    suite = {
        "rule_files": [rule_path.name],
        "evaluation_interval": format_duration(case.interval),
        "tests": [
            {
                "interval": format_duration(case.interval),
                "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
                "promql_expr_test": tests,
            }
        ],
    }
    return Outcome(case, alerts, errors), suite


def _labels_text(labels: dict[str, str]) -> str:
    name = labels.pop("__name__", "")
    body = ", ".join(f"{k}={_quoted(v)}" for k, v in sorted(labels.items()))
    return f"{name}{{{body}}}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass(frozen=True)
class Generators:
    """Draw cases: ``adversarial(seed, count)`` and ``twin(seed, count)``."""

    adversarial: Callable[[int, int], list[Any]]
    twin: Callable[[int, int], list[Any]]


@pytest.fixture(scope="session")
def generators() -> Generators:
    """The case generators, seeded."""
    rulegen, series = _load("rulegen.py"), _load("series.py")

    def twin(seed: int, count: int) -> list[Any]:
        """Draw cases over the twin's telemetry (the twin is loaded only when needed)."""
        return list(rulegen.cases(seed, count, _load("twin.py").telemetry, "twin"))

    return Generators(
        lambda seed, count: rulegen.cases(seed, count, series.adversarial, "adv"), twin
    )


@pytest.fixture
def differential(
    run_promtool: RunPromtool, tmp_path: Path
) -> Callable[[list[Any]], list[Outcome]]:
    """Return a function running cases through DOS, then promtool in batches, meanwhile."""

    def run(cases: list[Any]) -> list[Outcome]:
        """Evaluate every case with DOS and promtool; each outcome carries promtool's report."""
        outcomes: list[Outcome] = []
        files: list[Path] = []
        pending = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for index, case in enumerate(cases):
                rule_path = tmp_path / f"{case.name}.rules.yml"
                rule_path.write_text(case.rule_file())
                outcome, suite = evaluate(case, rule_path)
                test_path = tmp_path / f"{case.name}.test.yml"
                # JSON is YAML too, and writes a hundred times faster than PyYAML.
                test_path.write_text(json.dumps(suite))
                outcomes.append(outcome)
                files.append(test_path)
                # promtool checks one batch while DOS works on the next.
                if len(files) == 25 or index == len(cases) - 1:
                    pending.append(pool.submit(run_promtool, files))
                    files = []
            reports: dict[Path, str] = {}
            for future in pending:
                reports.update(future.result())
        for outcome in outcomes:
            outcome.report = reports[tmp_path / f"{outcome.case.name}.test.yml"]
        return outcomes

    return run
