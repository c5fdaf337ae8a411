"""Read the twin's config mappings, checking every key and value where it is read.

A :class:`Section` wraps one mapping of a config file (as YAML or Hydra hands it over) with
the file it came from and its dotted key. Each reader checks one value and, when it is
wrong, raises the section's error type naming the file, the key (``scenario.faults[0].at``),
the value received and what is allowed, so that a bad file fails before anything runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Final

from dos.durations import parse_duration
from dos.errors import ConfigError
from sim.errors import SimError

__all__ = ["REQUIRED", "Section", "parse_cpu", "parse_memory"]


class _Required:
    """Marks a key that has no default."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()
"""Pass as ``default`` to make a key mandatory."""

_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_MEMORY_UNITS = {
    None: 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
}


def parse_cpu(value: object) -> float | None:
    """Return a Kubernetes CPU quantity (``"200m"``, ``"1.5"``, ``2``) in cores, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _CPU.match(str(value).strip())
    if match is None:
        return None
    number = float(match.group(1))
    return number / 1000.0 if match.group(2) else number


def parse_memory(value: object) -> float | None:
    """Return a Kubernetes memory quantity (``"128Mi"``, ``"1G"``, ``1024``) in bytes or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _MEMORY.match(str(value).strip())
    if match is None:
        return None
    return float(match.group(1)) * _MEMORY_UNITS[match.group(2)]


class Section:
    """One mapping of a config file, with the file and key path its errors name."""

    def __init__(self, data: object, *, source: str, key: str, error: type[SimError]) -> None:
        self.source = source
        self.key = key
        self.error = error
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise error.at(source, key, data, "a mapping")
        self.data: Mapping[str, object] = data

    def path(self, name: str) -> str:
        """Return the dotted key of entry ``name``."""
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name: str, value: object, expected: str) -> SimError:
        """Build the error for entry ``name`` holding ``value`` (the caller raises it)."""
        return self.error.at(self.source, self.path(name), value, expected)

    def invalid(self, value: object, expected: str) -> SimError:
        """Build the error for this whole section holding ``value``."""
        return self.error.at(self.source, self.key, value, expected)

    def only(self, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        """Reject a key outside ``allowed`` and a missing key of ``required``."""
        allowed = sorted(allowed)
        for name, value in self.data.items():
            if name not in allowed:
                raise self.fail(str(name), value, f"one of the known keys: {', '.join(allowed)}")
        for name in required:
            if name not in self.data:
                raise self.fail(name, None, "a value (this key is required)")

    def has(self, name: str) -> bool:
        """Tell whether entry ``name`` is present."""
        return name in self.data

    def raw(self, name: str, default: object = REQUIRED) -> object:
        """Return entry ``name`` unchecked, or ``default`` when it is absent."""
        if name in self.data:
            return self.data[name]
        if default is REQUIRED:
            raise self.fail(name, None, "a value (this key is required)")
        return default

    def section(self, name: str) -> Section:
        """Return nested mapping ``name`` (empty when absent)."""
        return Section(
            self.data.get(name), source=self.source, key=self.path(name), error=self.error
        )

    def sections(self, name: str) -> list[Section]:
        """Return list ``name`` of mappings (empty when absent), each keyed ``name[i]``."""
        items = self.data.get(name) or []
        if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
            raise self.fail(name, items, "a list of mappings")
        return [
            Section(item, source=self.source, key=f"{self.path(name)}[{i}]", error=self.error)
            for i, item in enumerate(items)
        ]

    def text(self, name: str, default: str | _Required = REQUIRED) -> str:
        """Return entry ``name`` as a non-empty string."""
        value = self.raw(name, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, value, "a non-empty string")
        return value

    def integer(
        self, name: str, default: int | _Required = REQUIRED, *, minimum: int | None = None
    ) -> int:
        """Return entry ``name`` as an integer of at least ``minimum``."""
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, value, "an integer")
        if minimum is not None and value < minimum:
            raise self.fail(name, value, f"an integer of {minimum} or more")
        return value

    def number(
        self,
        name: str,
        default: float | _Required = REQUIRED,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        positive: bool = False,
    ) -> float:
        """Return entry ``name`` as a finite number within the given bounds."""
        value = self.raw(name, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(name, value, "a finite number")
        if positive and value <= 0:
            raise self.fail(name, value, "a number above 0")
        if minimum is not None and value < minimum:
            raise self.fail(name, value, f"a number of {minimum:g} or more")
        if maximum is not None and value > maximum:
            raise self.fail(name, value, f"a number of {maximum:g} or less")
        return float(value)

    def boolean(self, name: str, default: bool | _Required = REQUIRED) -> bool:
        """Return entry ``name`` as true or false."""
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, value, "true or false")
        return value

    def duration(
        self, name: str, default: str | float | _Required = REQUIRED, *, positive: bool = False
    ) -> float:
        """Return entry ``name``, a Prometheus duration (``"10m"``) or seconds, in seconds."""
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(name, value, "a duration such as '90s', '5m' or '1h30m'")
        try:
            seconds = parse_duration(value, self.path(name))
        except ConfigError as exc:
            raise self.fail(name, value, exc.expected) from exc
        if positive and seconds <= 0:
            raise self.fail(name, value, "a positive duration")
        return seconds

    def cpu(self, name: str, default: str | float | _Required = REQUIRED) -> float:
        """Return entry ``name``, a CPU quantity (``"200m"``), in cores; it must be above 0."""
        value = self.raw(name, default)
        cores = parse_cpu(value)
        if cores is None or not cores > 0:
            raise self.fail(name, value, "a CPU quantity above 0 such as '200m' or '1'")
        return cores

    def memory(self, name: str, default: str | float | _Required = REQUIRED) -> float:
        """Return entry ``name``, a memory quantity (``"128Mi"``), in bytes; it must be above 0."""
        value = self.raw(name, default)
        size = parse_memory(value)
        if size is None or not size > 0:
            raise self.fail(name, value, "a memory quantity above 0 such as '128Mi' or '1Gi'")
        return size

    def names(self, name: str, allowed: Iterable[str] | None = None) -> list[str]:
        """Return list ``name`` of strings (empty when absent), each one of ``allowed``."""
        items = self.data.get(name) or []
        if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
            raise self.fail(name, items, "a list of names")
        known = None if allowed is None else sorted(allowed)
        out: list[str] = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or (known is not None and item not in known):
                expected = "a name" if known is None else f"one of {', '.join(known)}"
                raise self.fail(f"{name}[{i}]", item, expected)
            out.append(item)
        return out
