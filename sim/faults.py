"""The typed fault registry: each kind of fault, its parameters and what it does to a pod.

A kind is a frozen dataclass registered in :data:`FAULT_KINDS` under its ``kind`` name. It
reads and checks its ``params`` from a scenario file, reports them for the ground truth,
says how long it lasts, and applies itself to a pod (and removes itself) through the
model's :class:`PodEffects`. The injector (:mod:`sim.injector`) decides when and where.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Protocol, Self

from sim.config import Section

__all__ = ["FAULT_KINDS", "CpuStress", "FaultKind", "FaultRecord", "PodEffects"]

Param = float | int | str | None


class PodEffects(Protocol):
    """What a fault can change in a running pod."""

    def add_cpu_demand(self, uid: int, cores: float, threads: int) -> None:
        """Add ``cores`` of CPU demand on ``threads`` busy threads to pod ``uid``.

        Negative values take a demand away again.
        """
        ...


class FaultKind(Protocol):
    """One kind of fault, with its checked parameters."""

    kind: ClassVar[str]

    @classmethod
    def from_params(cls, section: Section) -> Self:
        """Read and check the fault's ``params`` section."""
        ...

    @property
    def duration(self) -> float | None:
        """Return how long the fault lasts once started (None: until removed or run end)."""
        ...

    def params(self) -> dict[str, Param]:
        """Return the parameters as the ground truth records them."""
        ...

    def start(self, effects: PodEffects, uid: int) -> None:
        """Apply the fault to pod ``uid``."""
        ...

    def stop(self, effects: PodEffects, uid: int) -> None:
        """Remove the fault from pod ``uid``."""
        ...


@dataclass(frozen=True, slots=True)
class CpuStress:
    """CPU stress as ``stress-ng --cpu WORKERS --cpu-load LOAD --timeout TIMEOUT`` runs it.

    Each worker spins on ``load`` percent of a core, so the pod's CPU demand grows by
    ``workers * load / 100`` cores until the timeout or until the pod is deleted.
    """

    kind: ClassVar[str] = "cpu_stress"
    workers: int = 4
    load: float = 100.0
    timeout: float | None = None

    @classmethod
    def from_params(cls, section: Section) -> CpuStress:
        """Read ``workers`` (default 4), ``load`` (% per worker, default 100), ``timeout``."""
        section.only(("workers", "load", "timeout"))
        timeout = None
        if section.raw("timeout", None) is not None:
            timeout = section.duration("timeout") or None
        return cls(
            workers=section.integer("workers", 4, minimum=1),
            load=section.number("load", 100.0, positive=True, maximum=100.0),
            timeout=timeout,
        )

    @property
    def duration(self) -> float | None:
        """Return the stress timeout (None: it runs until its pod goes)."""
        return self.timeout

    @property
    def cores(self) -> float:
        """Return the CPU demand the workers add, in cores."""
        return self.workers * self.load / 100.0

    def params(self) -> dict[str, Param]:
        """Return workers, load and timeout (seconds)."""
        return {"workers": self.workers, "load": self.load, "timeout": self.timeout}

    def start(self, effects: PodEffects, uid: int) -> None:
        """Start the workers in pod ``uid``."""
        effects.add_cpu_demand(uid, self.cores, self.workers)

    def stop(self, effects: PodEffects, uid: int) -> None:
        """Stop the workers in pod ``uid``."""
        effects.add_cpu_demand(uid, -self.cores, -self.workers)


FAULT_KINDS: Mapping[str, type[FaultKind]] = MappingProxyType({CpuStress.kind: CpuStress})
"""Every fault kind a scenario may name."""


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """Ground truth of one fault as the twin applied it (never shown to DOS).

    ``ended_by`` is ``"timeout"`` (its own duration ran out), ``"remediation"`` (its pod was
    deleted or replaced) or ``"run_end"`` (still active when the run ended, ``end`` then
    being the run's end); both are None while the fault is active in a run still going.
    """

    id: str
    kind: str
    service: str
    pod: str
    params: dict[str, Param]
    start: float
    end: float | None
    ended_by: str | None
