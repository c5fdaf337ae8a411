"""A scenario: the faults a run injects, where and when, checked against a topology.

A scenario file (``conf/scenario/*.yaml``) reads::

    name: cpu_stress
    description: stress-ng on one frontend pod
    faults:
      - kind: cpu_stress        # a kind of sim.faults.FAULT_KINDS
        target: frontend        # a service of the topology
        pod: 0                  # its pod by age (0 = oldest), or null for a seeded choice
        at: 10m                 # when it starts, from the run's start
        params: {workers: 4, load: 100, timeout: 20m}

Each fault gets an id (``f1``, ``f2``, ... in file order, unless it names its own ``id``).
:meth:`Scenario.from_config` raises :class:`sim.errors.ScenarioError` naming the file, the
key (``scenario.faults[0].target``), the value and what is allowed, before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config import Section
from sim.errors import ScenarioError
from sim.faults import FAULT_KINDS, FaultKind
from sim.topology import Topology

__all__ = ["FaultSpec", "Scenario"]

_FAULT_KEYS = ("id", "kind", "target", "pod", "at", "params")


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """One fault of a scenario: what, on which service and pod, and when."""

    id: str
    kind: str
    target: str
    pod: int | None
    at: float
    fault: FaultKind


@dataclass(frozen=True)
class Scenario:
    """A named list of faults."""

    name: str
    description: str
    faults: tuple[FaultSpec, ...]
    source: str = "scenario"

    @classmethod
    def from_config(
        cls, mapping: object, topology: Topology, source: str = "scenario"
    ) -> Scenario:
        """Build a scenario from a config mapping read from file ``source``."""
        root = Section(mapping, source=source, key="scenario", error=ScenarioError)
        root.only(("name", "description", "faults"), required=("name",))
        faults = tuple(
            _read_fault(section, topology, i) for i, section in enumerate(root.sections("faults"))
        )
        seen: set[str] = set()
        for i, fault in enumerate(faults):
            if fault.id in seen:
                raise root.fail(f"faults[{i}].id", fault.id, "an id no other fault uses")
            seen.add(fault.id)
        return cls(
            name=root.text("name"),
            description=str(root.raw("description", "")),
            faults=faults,
            source=source,
        )


def _read_fault(section: Section, topology: Topology, index: int) -> FaultSpec:
    """Read fault number ``index``: its kind, target, pod, start and parameters."""
    section.only(_FAULT_KEYS, required=("kind", "target", "at"))
    kind = section.text("kind")
    if kind not in FAULT_KINDS:
        raise section.fail(
            "kind", kind, f"one of the fault kinds: {', '.join(sorted(FAULT_KINDS))}"
        )
    target = section.text("target")
    if target not in topology.names:
        services = ", ".join(topology.names)
        raise section.fail("target", target, f"a service of topology {topology.name}: {services}")
    return FaultSpec(
        id=str(section.raw("id", f"f{index + 1}")),
        kind=kind,
        target=target,
        pod=_read_pod(section, topology.service(target).replicas),
        at=section.duration("at"),
        fault=FAULT_KINDS[kind].from_params(section.section("params")),
    )


def _read_pod(section: Section, replicas: int) -> int | None:
    """Read the pod index: null, or 0 up to the target's replicas minus one."""
    value = section.raw("pod", None)
    if value is None:
        return None
    expected = f"null or a pod index from 0 to {replicas - 1}"
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < replicas:
        raise section.fail("pod", value, expected)
    return value
