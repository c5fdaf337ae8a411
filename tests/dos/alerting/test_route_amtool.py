"""The routing tree against Alertmanager 0.25's own, through ``amtool config routes test``.

Random trees (matchers of every kind, ``continue``, nesting) and random label sets: for
each, amtool must accept the config and name the same receivers, in the same order, as
:meth:`dos.alerting.route.Route.match`.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml

from dos.alerting.route import Route
from dos.config import AlertingConfig, ReceiverConfig, RouteConfig

pytestmark = pytest.mark.slow

VALUES = {
    "alertname": ["CPUHigh", "MemoryHigh", "Down"],
    "service": ["frontend", "cart", "redis-cart"],
    "severity": ["warning", "critical", ""],
    "pod": ["frontend-1", "cart-7", ""],
}
REGEXES = ["front.*", "cart|redis-cart", ".*High", "", "c.*|warning"]


def amtool() -> str:
    path = shutil.which("amtool")
    assert path is not None, "amtool (Debian package prometheus-alertmanager) is not installed"
    return path


class TreeMaker:
    """Random routing trees whose every route has its own receiver, r0, r1, ..."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.count = 0

    def route(self, depth: int) -> RouteConfig:
        self.count += 1
        config = RouteConfig(receiver=f"r{self.count - 1}")
        if depth > 0:
            self.add_matcher(config)
            config.continue_ = bool(self.rng.random() < 0.3)
        if depth < 3:
            n = int(self.rng.integers(0, 4 if depth == 0 else 3))
            config.routes = [self.route(depth + 1) for _ in range(n)]
        return config

    def add_matcher(self, config: RouteConfig) -> None:
        name = str(self.rng.choice(list(VALUES)))
        value = str(self.rng.choice(VALUES[name]))
        kind = int(self.rng.integers(0, 4))
        if kind == 0 and value:
            config.match = {name: value}
        elif kind == 1:
            config.match_re = {name: str(self.rng.choice(REGEXES))}
        else:
            op = str(self.rng.choice(["=", "!=", "=~", "!~"]))
            text = str(self.rng.choice(REGEXES)) if "~" in op else value
            config.matchers = [f'{name}{op}"{text}"']


def alertmanager_yaml(root: RouteConfig, receivers: int) -> str:
    def node(config: RouteConfig) -> dict[str, object]:
        out: dict[str, object] = {"receiver": config.receiver}
        for key in ("match", "match_re", "matchers"):
            if getattr(config, key):
                out[key] = getattr(config, key)
        if config.continue_:
            out["continue"] = True
        if config.routes:
            out["routes"] = [node(child) for child in config.routes]
        return out

    doc = {"route": node(root), "receivers": [{"name": f"r{i}"} for i in range(receivers)]}
    return yaml.safe_dump(doc, sort_keys=False)


def label_sets(rng: np.random.Generator, n: int) -> list[dict[str, str]]:
    sets = []
    for _ in range(n):
        labels = {name: str(rng.choice(values)) for name, values in VALUES.items()}
        sets.append({k: v for k, v in labels.items() if v})
    return sets


def amtool_receivers(config_file: Path, labels: dict[str, str]) -> list[str]:
    args = [amtool(), "config", "routes", "test", f"--config.file={config_file}"]
    args += [f"{k}={v}" for k, v in labels.items()]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.strip().split(",")


@pytest.mark.parametrize("seed", range(24))
def test_random_trees_route_as_alertmanager_routes_them(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(seed)
    maker = TreeMaker(rng)
    root = maker.route(0)
    config_file = tmp_path / "alertmanager.yml"
    config_file.write_text(alertmanager_yaml(root, maker.count))
    check = subprocess.run(
        [amtool(), "check-config", str(config_file)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    receivers = [ReceiverConfig(f"r{i}") for i in range(maker.count)]
    AlertingConfig(route=root, receivers=receivers).validate("alerting")
    tree = Route.from_config(root)
    sets = label_sets(rng, 12)
    with ThreadPoolExecutor(max_workers=2) as pool:
        theirs = list(pool.map(lambda labels: amtool_receivers(config_file, labels), sets))
    ours = [[r.options.receiver for r in tree.match(labels)] for labels in sets]
    assert ours == theirs, yaml.safe_dump(sets)
