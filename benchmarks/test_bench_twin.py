"""How long the twin alone takes to simulate one hour of Online Boutique under CPU stress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.scenario import Scenario
from sim.topology import Topology
from sim.twin import Twin

CONF = Path(__file__).resolve().parents[1] / "conf"


def read(group: str, name: str) -> Any:
    return yaml.safe_load((CONF / group / f"{name}.yaml").read_text())


def simulate_an_hour(topology: Topology, scenario: Scenario) -> int:
    """Run an hour with 1 s ticks and 15 s scrapes, polled as DOS polls; return the scrapes."""
    twin = Twin(topology, scenario, seed=0, scrape_interval=15.0, tick=1.0, duration=3600.0)
    scrapes = 0

    def poll() -> Any:
        nonlocal scrapes
        while twin.env.now < 3600.0:
            yield twin.env.timeout(15.0)
            scrapes += len(twin.poll(twin.env.now).metrics)

    twin.env.process(poll())
    twin.run(3600.0)
    return scrapes + len(twin.poll(3600.0).metrics)


def test_an_hour_of_boutique_under_cpu_stress(benchmark: Any) -> None:
    topology = Topology.from_config(read("topology", "boutique"), "boutique.yaml")
    scenario = Scenario.from_config(read("scenario", "cpu_stress"), topology, "cpu_stress.yaml")
    scrapes = benchmark.pedantic(simulate_an_hour, args=(topology, scenario), rounds=5)
    assert scrapes == 241
