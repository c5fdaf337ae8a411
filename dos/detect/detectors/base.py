"""The streaming ``Detector`` protocol and the base class univariate detectors share.

A detector takes samples one at a time (``update``) or many at once (``update_many``) and
returns an anomaly score in [0, 1] per sample, learning only from samples it has already
seen. Both paths run the same loop over plain floats, so scoring a series in one call or
sample by sample gives identical scores. ``state()`` returns everything a detector has
learned as plain data (JSON-able), and ``from_state`` rebuilds an identical detector.
A NaN value is a gap: it scores 0 and teaches the detector nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dos.errors import ConfigError

__all__ = ["STATE", "Detector", "StreamingDetector", "squash"]


@runtime_checkable
class Detector(Protocol):
    """A streaming univariate anomaly detector: no look-ahead, state that can be saved."""

    key: ClassVar[str]

    def update(self, t: float, value: float) -> float:
        """Learn from the sample ``value`` at time ``t`` and return its anomaly score."""
        ...

    def update_many(self, times: ArrayLike, values: ArrayLike) -> NDArray[np.float64]:
        """Score a run of samples in order; the same as calling ``update`` on each."""
        ...

    def state(self) -> dict[str, Any]:
        """Return the detector's settings and learned state as plain data."""
        ...


STATE = MappingProxyType({"state": True})
"""Metadata marking a dataclass field as learned state rather than a setting."""


def squash(excess: float, scale: float) -> float:
    """Map an excess in (-inf, inf) to (0, 1) with a logistic curve (0.5 at 0)."""
    x = excess / scale
    if x < -50.0:
        return 0.0
    if x > 50.0:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


class StreamingDetector:
    """Base of the univariate detectors: subclasses are dataclasses implementing ``_run``.

    Fields whose metadata is :data:`STATE` are the learned state; every other field is a
    setting, checked by ``_check``.
    """

    key: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        """Reject a bad setting with :class:`~dos.errors.ConfigError` (override)."""

    def _run(self, times: list[float], values: list[float]) -> list[float]:
        """Score ``values`` in order, updating the learned state (override)."""
        raise NotImplementedError

    def update(self, t: float, value: float) -> float:
        """Learn from the sample ``value`` at time ``t`` and return its anomaly score."""
        return self._run([float(t)], [float(value)])[0]

    def update_many(self, times: ArrayLike, values: ArrayLike) -> NDArray[np.float64]:
        """Score a run of samples in order; the same as calling ``update`` on each."""
        t = np.asarray(times, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        if t.shape != v.shape or v.ndim != 1:
            raise ConfigError(
                f"{self.key}.update_many", (t.shape, v.shape), "times and values of one length"
            )
        return np.array(self._run(t.tolist(), v.tolist()), dtype=np.float64)

    def settings(self) -> dict[str, Any]:
        """Return the detector's settings (the fields that are not learned state)."""
        return {f.name: getattr(self, f.name) for f in _fields(self) if not _is_state(f)}

    def state(self) -> dict[str, Any]:
        """Return the detector's settings and learned state as plain data."""
        learned_state = {f.name: copy.deepcopy(getattr(self, f.name)) for f in _state_fields(self)}
        return {"key": self.key, "settings": self.settings(), "state": learned_state}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Self:
        """Rebuild a detector from :meth:`state`'s output."""
        if data.get("key") != cls.key:
            raise ConfigError("state.key", data.get("key"), f"{cls.key!r}")
        detector = cls(**data["settings"])
        for name, value in data["state"].items():
            setattr(detector, name, copy.deepcopy(value))
        return detector


def _fields(obj: object) -> Sequence[dataclasses.Field[Any]]:
    return dataclasses.fields(obj)  # type: ignore[arg-type]  # subclasses are dataclasses


def _is_state(f: dataclasses.Field[Any]) -> bool:
    return bool(f.metadata.get("state"))


def _state_fields(obj: object) -> list[dataclasses.Field[Any]]:
    return [f for f in _fields(obj) if _is_state(f)]
