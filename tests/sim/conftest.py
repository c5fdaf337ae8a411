"""Shared fixtures for the twin's tests: the shipped topologies and a scrape reader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from dos.telemetry import MetricScrape
from sim.scenario import Scenario
from sim.topology import Topology
from sim.twin import Twin

CONF = Path(__file__).resolve().parents[2] / "conf"


def read_conf(group: str, name: str) -> dict[str, Any]:
    """Load ``conf/<group>/<name>.yaml`` as plain data."""
    data = yaml.safe_load((CONF / group / f"{name}.yaml").read_text())
    assert isinstance(data, dict)
    return data


class Samples:
    """The samples of many scrapes, looked up by metric name and labels."""

    def __init__(self, scrapes: Iterable[MetricScrape]) -> None:
        self.by_series: dict[tuple[tuple[str, str], ...], dict[float, float]] = {}
        for scrape in scrapes:
            for labels, value in zip(scrape.series, scrape.values, strict=True):
                self.by_series.setdefault(labels, {})[scrape.timestamp] = float(value)

    def select(self, name: str, **labels: str) -> dict[Mapping[str, str], dict[float, float]]:
        """Return every series of ``name`` whose labels include ``labels``."""
        out = {}
        for key, points in self.by_series.items():
            pairs = dict(key)
            if pairs["__name__"] == name and all(pairs.get(k) == v for k, v in labels.items()):
                out[_Frozen(pairs)] = points
        return out

    def one(self, name: str, **labels: str) -> dict[float, float]:
        """Return the only series of ``name`` with ``labels``."""
        found = self.select(name, **labels)
        assert len(found) == 1, f"{name}{labels}: {len(found)} series"
        return next(iter(found.values()))

    def increase(self, name: str, start: float, end: float, **labels: str) -> float:
        """Return the summed increase of the counters of ``name`` from ``start`` to ``end``."""
        total = 0.0
        for points in self.select(name, **labels).values():
            if start in points and end in points:
                total += points[end] - points[start]
        return total


class _Frozen(dict[str, str]):
    """A hashable label mapping."""

    def __hash__(self) -> int:  # type: ignore[override]  # label sets never change once built
        return hash(tuple(sorted(self.items())))


def bucket_quantile(q: float, bounds: list[float], cumulative: np.ndarray) -> float:
    """Interpolate quantile ``q`` in cumulative bucket counts as histogram_quantile does."""
    rank = q * cumulative[-1]
    index = int(np.searchsorted(cumulative, rank))
    if index >= len(bounds):
        return bounds[-1]
    lower = 0.0 if index == 0 else bounds[index - 1]
    below = 0.0 if index == 0 else cumulative[index - 1]
    return lower + (bounds[index] - lower) * (rank - below) / (cumulative[index] - below)


@pytest.fixture
def boutique() -> Topology:
    """The default topology."""
    return Topology.from_config(read_conf("topology", "boutique"), "conf/topology/boutique.yaml")


@pytest.fixture
def small() -> Topology:
    """The three-service chain."""
    return Topology.from_config(read_conf("topology", "small"), "conf/topology/small.yaml")


@pytest.fixture
def no_fault() -> dict[str, Any]:
    """A scenario mapping without faults."""
    return {"name": "quiet", "faults": []}


@pytest.fixture
def make_twin() -> Callable[..., Twin]:
    """Return a factory of twins from a topology and a scenario mapping."""

    def make(topology: Topology, scenario: dict[str, Any], **kwargs: Any) -> Twin:
        return Twin(topology, Scenario.from_config(scenario, topology, "test"), **kwargs)

    return make


@pytest.fixture
def conf() -> Callable[[str, str], dict[str, Any]]:
    """Return the reader of ``conf/<group>/<name>.yaml``."""
    return read_conf


@pytest.fixture
def samples() -> type[Samples]:
    """Return the scrape reader class."""
    return Samples


@pytest.fixture
def histogram_quantile() -> Callable[[float, list[float], np.ndarray], float]:
    """Return the bucket interpolation histogram_quantile uses."""
    return bucket_quantile
