"""Scenario files: the shipped ones and the rejection of a bad fault before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.faults import CpuStress
from sim.scenario import Scenario
from sim.topology import Topology

SOURCE = "conf/scenario/cpu_stress.yaml"
Conf = Callable[[str, str], dict[str, Any]]


def fault(**changes: object) -> dict[str, Any]:
    """Return a scenario mapping with one cpu_stress fault, changed by ``changes``."""
    entry: dict[str, Any] = {
        "kind": "cpu_stress",
        "target": "frontend",
        "pod": 0,
        "at": "10m",
        "params": {"workers": 4, "load": 100, "timeout": "20m"},
    }
    entry.update(changes)
    return {"name": "test", "faults": [entry]}


def reject(data: dict[str, Any], topology: Topology) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_config(data, topology, SOURCE)
    return caught.value


def test_the_default_scenario_stresses_one_frontend_pod(conf: Conf, boutique: Topology) -> None:
    scenario = Scenario.from_config(conf("scenario", "cpu_stress"), boutique, SOURCE)
    (spec,) = scenario.faults
    assert (spec.id, spec.kind, spec.target, spec.pod, spec.at) == (
        "f1",
        "cpu_stress",
        "frontend",
        0,
        600.0,
    )
    assert spec.fault == CpuStress(workers=4, load=100.0, timeout=1200.0)


def test_the_briefs_scenario_is_stress_ng_cpu_4_for_300s(conf: Conf, boutique: Topology) -> None:
    scenario = Scenario.from_config(conf("scenario", "cpu_stress_brief"), boutique, "brief")
    assert scenario.faults[0].fault == CpuStress(workers=4, load=100.0, timeout=300.0)
    assert scenario.faults[0].at == 600.0


def test_the_none_scenario_has_no_fault(conf: Conf, boutique: Topology) -> None:
    assert Scenario.from_config(conf("scenario", "none"), boutique, "none").faults == ()


def test_a_fault_at_a_service_not_in_the_topology_is_rejected(boutique: Topology) -> None:
    error = reject(fault(target="billing"), boutique)
    assert error.source == SOURCE
    assert error.key == "scenario.faults[0].target"
    assert error.value == "billing"
    assert "frontend" in error.expected
    assert "redis-cart" in error.expected


@pytest.mark.parametrize("pod", [3, -1, "0", True])
def test_a_pod_index_out_of_range_is_rejected(boutique: Topology, pod: object) -> None:
    error = reject(fault(pod=pod), boutique)
    assert error.key == "scenario.faults[0].pod"
    assert error.value == pod
    assert error.expected == "null or a pod index from 0 to 2"


def test_an_unknown_fault_kind_is_rejected_listing_the_kinds(boutique: Topology) -> None:
    error = reject(fault(kind="cpu_hog"), boutique)
    assert error.key == "scenario.faults[0].kind"
    assert "cpu_stress" in error.expected


@pytest.mark.parametrize(("key", "changes"), [("at", {"at": "-5m"}), ("at", {"at": -1})])
def test_a_negative_start_is_rejected(
    boutique: Topology, key: str, changes: dict[str, object]
) -> None:
    error = reject(fault(**changes), boutique)
    assert error.key == f"scenario.faults[0].{key}"
    assert error.expected == "a duration of zero or more"


def test_a_negative_duration_is_rejected(boutique: Topology) -> None:
    error = reject(fault(params={"timeout": "-300s"}), boutique)
    assert error.key == "scenario.faults[0].params.timeout"
    assert error.value == "-300s"


def test_an_unknown_key_is_rejected(boutique: Topology) -> None:
    error = reject(fault(when="10m"), boutique)
    assert error.key == "scenario.faults[0].when"
    assert "target" in error.expected


def test_an_unknown_parameter_is_rejected(boutique: Topology) -> None:
    error = reject(fault(params={"cpus": 4}), boutique)
    assert error.key == "scenario.faults[0].params.cpus"
    assert error.expected == "one of the known keys: load, timeout, workers"


@pytest.mark.parametrize(("params", "key"), [({"workers": 0}, "workers"), ({"load": 150}, "load")])
def test_stress_parameters_out_of_range_are_rejected(
    boutique: Topology, params: dict[str, object], key: str
) -> None:
    assert reject(fault(params=params), boutique).key == f"scenario.faults[0].params.{key}"


def test_defaults_and_a_seeded_pod_choice_are_allowed(boutique: Topology) -> None:
    scenario = Scenario.from_config(fault(pod=None, params={}), boutique, SOURCE)
    assert scenario.faults[0].pod is None
    assert scenario.faults[0].fault == CpuStress(workers=4, load=100.0, timeout=None)


def test_two_faults_with_one_id_are_rejected(boutique: Topology) -> None:
    data = fault(id="f1")
    data["faults"].append(dict(data["faults"][0]))
    assert reject(data, boutique).key == "scenario.faults[1].id"
