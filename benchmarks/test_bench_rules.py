"""The rule engine's speed targets, and DOS's rule unit tests side by side with promtool's.

- The default rules over 24 h of the twin's Online Boutique telemetry (CPU stress
  scenario, 15 s scrapes), evaluated every 15 s: target under 2 s.
- ``dos-rules test`` and ``promtool test rules`` on the same files: the public cases, and
  a generated file of 24 h of 1-minute samples of 50 series under 20 rules (target: at
  most 3x promtool's wall time). Both run as commands (interpreter start-up included);
  DOS's runner is also timed in-process, without it.

Run with ``.venv/bin/pytest benchmarks/test_bench_rules.py --benchmark-enable
--benchmark-only``; the ratios are printed at the end of the run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from dos.config import DOSConfig
from dos.detect.alert import AlertState
from dos.detect.default_rules import default_rules
from dos.detect.promtool_series import load_series
from dos.detect.rulefile import load_rule_file
from dos.detect.rules import AlertingRule, RuleEngine, RuleGroup
from dos.promql import Engine
from dos.ruletest import run_test_file
from dos.telemetry import MetricScrape
from dos.tsdb import SeriesStore
from sim.scenario import Scenario
from sim.topology import Topology
from sim.twin import Twin

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
SHARED = ROOT.parent / "shared" / "cases" / "promtool"
DAY = 86400.0
STEP = 15.0
# Mean wall seconds of each side-by-side benchmark, for the ratios printed at the end.
MEANS: dict[str, float] = {}


def _read(group: str, name: str) -> Any:
    return yaml.safe_load((CONF / group / f"{name}.yaml").read_text())


@pytest.fixture(scope="module")
def boutique_day() -> list[MetricScrape]:
    """A day of the twin's scrapes: Online Boutique under the CPU-stress scenario."""
    topology = Topology.from_config(_read("topology", "boutique"), "boutique.yaml")
    scenario = Scenario.from_config(_read("scenario", "cpu_stress"), topology, "cpu_stress.yaml")
    twin = Twin(topology, scenario, seed=0, scrape_interval=STEP, duration=DAY, trace_rate=0.0)
    scrapes: list[MetricScrape] = []

    def poll() -> Any:
        while twin.env.now < DAY:
            yield twin.env.timeout(3600.0)
            scrapes.extend(twin.poll(twin.env.now).metrics)

    twin.env.process(poll())
    twin.run(DAY)
    scrapes.extend(twin.poll(DAY).metrics)
    return scrapes


def test_default_rules_over_a_day_of_boutique_telemetry(
    benchmark: Any, boutique_day: list[MetricScrape]
) -> None:
    def setup() -> tuple[tuple[RuleEngine], dict[str, Any]]:
        store = SeriesStore()
        for scrape in boutique_day:
            store.append(scrape)
        return (RuleEngine([default_rules(DOSConfig())], Engine(store)),), {}

    def run(rules: RuleEngine) -> int:
        steps = round(DAY / STEP)
        return sum(len(rules.evaluate(k * STEP)) for k in range(steps + 1))

    transitions = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    # The stress at 10 min makes CPUHigh go pending, fire and resolve.
    assert transitions >= 3


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed (Debian package 'prometheus'; .ci/run installs it)")
    return path


def _shared_files() -> list[Path]:
    if not SHARED.is_dir():
        pytest.fail(f"the public promtool cases are missing: expected them in {SHARED}")
    files = []
    for path in sorted(SHARED.glob("*/*.y*ml")):
        content = yaml.safe_load(path.read_text())
        if isinstance(content, dict) and "tests" in content:
            files.append(path)
    return files


def _command(args: list[str], cwd: Path) -> Callable[[], int]:
    def run() -> int:
        return subprocess.run(args, cwd=cwd, capture_output=True, check=False).returncode

    return run


def _side_by_side(benchmark: Any, key: str, run: Callable[[], Any], rounds: int) -> Any:
    result = benchmark.pedantic(run, rounds=rounds, iterations=1)
    MEANS[key] = benchmark.stats.stats.mean
    return result


@pytest.mark.benchmark(group="shared cases")
def test_promtool_on_the_shared_cases(benchmark: Any) -> None:
    files = _shared_files()
    runs = [_command([_promtool(), "test", "rules", f.name], f.parent) for f in files]
    codes = _side_by_side(benchmark, "shared/promtool", lambda: [r() for r in runs], rounds=5)
    assert codes == [0] * len(files)


@pytest.mark.benchmark(group="shared cases")
def test_dos_rules_command_on_the_shared_cases(benchmark: Any) -> None:
    files = _shared_files()
    command = [sys.executable, "-m", "experiments.rules_cli", "test"]
    runs = [_command([*command, f.name], f.parent) for f in files]
    _side_by_side(benchmark, "shared/dos-rules", lambda: [r() for r in runs], rounds=5)


@pytest.mark.benchmark(group="shared cases")
def test_dos_rules_in_process_on_the_shared_cases(benchmark: Any) -> None:
    files = _shared_files()
    _side_by_side(
        benchmark, "shared/in-process", lambda: [run_test_file(f) for f in files], rounds=5
    )


SERVICES = 10
RULES = """\
groups:
  - name: recorded
    rules:
      - record: service:requests:rate5m
        expr: sum by (service) (rate(requests_total[5m]))
      - record: service:errors:rate5m
        expr: sum by (service) (rate(requests_total{code="500"}[5m]))
      - record: service:errors:ratio
        expr: service:errors:rate5m / service:requests:rate5m
      - record: service:cpu:rate5m
        expr: sum by (service) (rate(cpu_seconds_total[5m]))
      - record: service:latency:avg10m
        expr: avg_over_time(latency_seconds[10m])
  - name: alerts
    rules:
      - alert: ErrorRatioHigh
        expr: service:errors:ratio > 0.05
        for: 5m
        labels: {severity: page}
        annotations: {summary: '{{ $labels.service }} fails {{ $value | humanizePercentage }}'}
      - alert: ErrorRatioWarning
        expr: service:errors:ratio > 0.02
        keep_firing_for: 10m
      - alert: TrafficLow
        expr: service:requests:rate5m < 0.5
        for: 10m
      - alert: TrafficHigh
        expr: service:requests:rate5m > 4
      - alert: CPUBusy
        expr: service:cpu:rate5m > 0.8
        for: 15m
      - alert: LatencyHigh
        expr: service:latency:avg10m > 0.4
        for: 5m
        annotations: {summary: '{{ $value | humanizeDuration }}'}
      - alert: LatencySpike
        expr: max_over_time(latency_seconds[5m]) > 0.9
      - alert: Down
        expr: up == 0
        for: 2m
      - alert: Flapping
        expr: sum_over_time(up[30m]) < 25 and sum_over_time(up[30m]) > 5
      - alert: CounterReset
        expr: increase(requests_total{code="200"}[10m]) < 100
      - alert: ErrorsWithoutTraffic
        expr: service:errors:rate5m > 0 unless service:requests:rate5m > 1
      - alert: LatencyVsCPU
        expr: service:latency:avg10m > 0.3 and on (service) service:cpu:rate5m > 0.5
      - alert: MinLatency
        expr: min_over_time(latency_seconds[15m]) > 0.2
        keep_firing_for: 5m
      - alert: RateDrop
        expr: service:requests:rate5m < 0.7 * avg_over_time(service:requests:rate5m[1h])
        for: 5m
      - alert: CPUAnyBusy
        expr: max(service:cpu:rate5m) > 0.9
"""


def _large_series(rng: np.random.Generator) -> dict[str, str]:
    """50 series over 24 h at 1-minute steps: 5 per service, with bursts, resets and gaps."""
    minutes = round(DAY / 60) + 1
    series: dict[str, str] = {}
    for s in range(SERVICES):
        rate = rng.uniform(1.0, 3.0, minutes) * np.where(rng.random(minutes) < 0.02, 3, 1)
        ok = np.cumsum(rate * 60).round()
        ok[rng.integers(minutes // 2, minutes) :] -= ok[minutes // 2]  # a counter reset
        bad = np.cumsum(rate * 60 * np.where(rng.random(minutes) < 0.05, 0.1, 0.005)).round()
        cpu = np.cumsum(rng.uniform(20, 55, minutes)).round(1)
        latency = rng.gamma(2.0, 0.1, minutes).round(3)
        up = (rng.random(minutes) > 0.01).astype(int)
        labels = f'service="svc{s}"'
        series[f'requests_total{{{labels}, code="200"}}'] = _values(np.abs(ok))
        series[f'requests_total{{{labels}, code="500"}}'] = _values(bad)
        series[f"cpu_seconds_total{{{labels}}}"] = _values(cpu)
        series[f"latency_seconds{{{labels}}}"] = _values(latency, gap=(600, 620))
        series[f'up{{{labels}, instance="svc{s}:80"}}'] = _values(up)
    return series


def _values(values: np.ndarray, gap: tuple[int, int] | None = None) -> str:
    items = [f"{v:g}" for v in values.tolist()]
    if gap is not None:
        items[gap[0] : gap[1]] = ["_"] * (gap[1] - gap[0])
    return " ".join(items)


def _expectations(rule_file: Path, series: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Tests filled in by DOS's own engine: every alert's firing alerts every 30 minutes,
    and ``ALERTS`` (pending alerts included) every 2 hours."""
    store = SeriesStore()
    load_series(store, series, 60.0)
    groups = [RuleGroup(g.name, 60.0, g.rules) for g in load_rule_file(rule_file)]
    names = [r.name for g in groups for r in g.rules if isinstance(r, AlertingRule)]
    engine = Engine(store)
    rules = RuleEngine(groups, engine)
    alert_tests = []
    for minute in range(round(DAY / 60) + 1):
        rules.evaluate(minute * 60.0)
        if minute % 30:
            continue
        firing = [a for a in rules.active_alerts() if a.state is AlertState.FIRING]
        for name in names:
            expected = [
                {
                    "exp_labels": {k: v for k, v in a.labels.items() if k != "alertname"},
                    "exp_annotations": dict(a.annotations),
                }
                for a in firing
                if a.name == name
            ]
            alert_tests.append(
                {"eval_time": f"{minute}m", "alertname": name, "exp_alerts": expected}
            )
    expr_tests = [
        {
            "expr": "ALERTS",
            "eval_time": f"{hour}h",
            "exp_samples": [
                {"labels": _selector(s.labels), "value": s.value}
                for s in engine.instant("ALERTS", hour * 3600.0)
            ],
        }
        for hour in range(0, 25, 2)
    ]
    return {"alert_rule_test": alert_tests, "promql_expr_test": expr_tests}


def _selector(labels: dict[str, str]) -> str:
    pairs = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{labels.get('__name__', '')}{{{pairs}}}"


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated test file (and its rule file); promtool must pass on it."""
    folder = tmp_path_factory.mktemp("large")
    (folder / "rules.yml").write_text(RULES)
    series = _large_series(np.random.default_rng(42))
    suite = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": k, "values": v} for k, v in series.items()],
                **_expectations(folder / "rules.yml", series),
            }
        ],
    }
    (folder / "test.yml").write_text(yaml.safe_dump(suite, sort_keys=False, width=1 << 20))
    done = subprocess.run(
        [_promtool(), "test", "rules", "test.yml"], cwd=folder, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[:3000]
    return folder / "test.yml"


@pytest.mark.benchmark(group="large file")
def test_promtool_on_the_large_file(benchmark: Any, large_file: Path) -> None:
    run = _command([_promtool(), "test", "rules", large_file.name], large_file.parent)
    assert _side_by_side(benchmark, "large/promtool", run, rounds=3) == 0


@pytest.mark.benchmark(group="large file")
def test_dos_rules_command_on_the_large_file(benchmark: Any, large_file: Path) -> None:
    command = [sys.executable, "-m", "experiments.rules_cli", "test", large_file.name]
    run = _command(command, large_file.parent)
    assert _side_by_side(benchmark, "large/dos-rules", run, rounds=3) == 0


@pytest.mark.benchmark(group="large file")
def test_dos_rules_in_process_on_the_large_file(benchmark: Any, large_file: Path) -> None:
    outcome = _side_by_side(
        benchmark, "large/in-process", lambda: run_test_file(large_file), rounds=3
    )
    assert outcome.passed


def test_dos_rules_stays_within_three_times_promtool_on_the_large_file(
    benchmark: Any, large_file: Path
) -> None:
    # Benchmarks of this module ran above; time any side that did not (a -k selection).
    for key, args in (
        ("large/promtool", [_promtool(), "test", "rules", large_file.name]),
        ("large/dos-rules", [sys.executable, "-m", "experiments.rules_cli", "test", "test.yml"]),
    ):
        if key not in MEANS:
            started = time.perf_counter()
            _command(args, large_file.parent)()
            MEANS[key] = time.perf_counter() - started
    ratio = MEANS["large/dos-rules"] / MEANS["large/promtool"]
    lines = [f"{key}: {seconds:.3f} s" for key, seconds in sorted(MEANS.items())]
    if "shared/promtool" in MEANS and "shared/dos-rules" in MEANS:
        shared = MEANS["shared/dos-rules"] / MEANS["shared/promtool"]
        lines.append(f"shared cases: dos-rules / promtool = {shared:.2f}")
    lines.append(f"large file: dos-rules / promtool = {ratio:.2f}")
    print("\n" + "\n".join(lines))
    benchmark.extra_info.update(MEANS)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert ratio <= 3.0
