"""Turn the composed Hydra config into validated run settings before anything runs.

Hydra composes ``conf/``; this module checks every value against the dataclasses that own it
and builds the twin's topology and scenario, so a bad value fails with its key, the value and
what is allowed, naming the config file it came from.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from dos.config import DOSConfig, PolicyConfig
from dos.detect.rulefile import load_rule_files
from dos.durations import parse_duration
from dos.errors import ConfigError
from sim.scenario import Scenario
from sim.topology import Topology
from sim.twin import check_timing

__all__ = ["RunConfig", "TrackingConfig", "build_run_config", "from_mapping"]

T = TypeVar("T")

_RUN_ID = re.compile(r"[A-Za-z0-9._-]+")

# YAML keys that are Python keywords map to field names with a trailing underscore.
_ALIASES = {"for": "for_", "continue": "continue_"}
_TOP_LEVEL = {
    "seed",
    "duration",
    "scrape_interval",
    "tick",
    "start_time",
    "stable_for",
    "grace",
    "slo_availability",
    "results_dir",
    "run_id",
    "plot",
    "print_timeline",
    "topology",
    "scenario",
    "policy",
    "dos",
    "tracking",
}


@dataclass
class TrackingConfig:
    """Where and whether the run is logged to MLflow."""

    enabled: bool = True
    uri: str = "sqlite:///results/mlflow.db"
    experiment: str = "dos-twin"


@dataclass(frozen=True)
class RunConfig:
    """One closed-loop run, validated: every duration in seconds, every part built."""

    seed: int
    duration: float
    scrape_interval: float
    tick: float
    start_time: datetime
    stable_for: float
    grace: float
    slo_availability: float
    results_dir: str
    run_id: str | None
    plot: bool
    print_timeline: bool
    topology: Topology
    scenario: Scenario
    dos: DOSConfig
    tracking: TrackingConfig
    raw: Mapping[str, Any]


def build_run_config(
    raw: Mapping[str, Any], sources: Mapping[str, str] | None = None
) -> RunConfig:
    """Validate ``raw`` (the composed config as plain data) into a :class:`RunConfig`.

    ``sources`` maps a config group to the file it was read from, for error messages.
    """
    sources = sources or {}
    _reject_unknown(raw, _TOP_LEVEL, "")
    dos_config = from_mapping(DOSConfig, _without(raw["dos"], "policy"), "dos", sources.get("dos"))
    dos_config.policy = from_mapping(PolicyConfig, raw["policy"], "policy", sources.get("policy"))
    topology = Topology.from_config(raw["topology"], source=sources.get("topology", "topology"))
    dos_config.namespace = topology.namespace
    dos_config.validate()
    # Rule files are read now so that a bad one fails before the run, not in its middle.
    load_rule_files(dos_config.rule_files)
    duration = _positive_duration(raw["duration"], "duration")
    scrape_interval = _positive_duration(raw["scrape_interval"], "scrape_interval")
    tick = _positive_duration(raw["tick"], "tick")
    check_timing(tick, scrape_interval, duration, trace_rate=0.0)
    scenario = Scenario.from_config(
        raw["scenario"], topology, source=sources.get("scenario", "scenario")
    )
    _check_faults_start_in_time(scenario, duration)
    tracking = from_mapping(TrackingConfig, raw["tracking"], "tracking")
    if tracking.enabled and not tracking.uri.strip():
        raise ConfigError("tracking.uri", tracking.uri, "an MLflow tracking URI, or tracking=none")
    return RunConfig(
        seed=_seed(raw["seed"]),
        duration=duration,
        scrape_interval=scrape_interval,
        tick=tick,
        start_time=_datetime(raw["start_time"], "start_time", duration),
        stable_for=parse_duration(raw["stable_for"], "stable_for"),
        grace=parse_duration(raw["grace"], "grace"),
        slo_availability=_fraction(raw["slo_availability"], "slo_availability"),
        results_dir=str(raw["results_dir"]),
        run_id=_run_id(raw["run_id"]),
        plot=_scalar(bool, raw["plot"], "plot"),
        print_timeline=_scalar(bool, raw["print_timeline"], "print_timeline"),
        topology=topology,
        scenario=scenario,
        dos=dos_config,
        tracking=tracking,
        raw=raw,
    )


def from_mapping(cls: type[T], data: object, key: str, source: str | None = None) -> T:
    """Build dataclass ``cls`` from ``data``, checking every key and value type.

    Nested dataclasses, ``dict[str, X]``, ``list[X]`` and ``X | None`` fields are followed;
    an unknown key or a value of the wrong type raises :class:`ConfigError` naming its path.
    """
    where = f"{key} ({source})" if source else key
    if not isinstance(data, Mapping):
        raise ConfigError(where, data, f"a mapping of {cls.__name__} settings")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name, value in data.items():
        field_name = _ALIASES.get(name, name)
        if field_name not in fields:
            allowed = ", ".join(sorted(k.rstrip("_") for k in fields))
            raise ConfigError(f"{where}.{name}", value, f"one of the known keys: {allowed}")
        values[field_name] = _convert(hints[field_name], value, f"{where}.{name}")
    return cls(**values)


def _convert(hint: Any, value: object, key: str) -> Any:
    """Check ``value`` against type ``hint``, converting nested mappings to dataclasses."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, key)
    if dataclasses.is_dataclass(hint):
        return from_mapping(hint, value, key)  # type: ignore[arg-type]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(key, value, "a mapping")
        return {str(k): _convert(args[1], v, f"{key}.{k}") for k, v in value.items()}
    if origin is list:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise ConfigError(key, value, "a list")
        return [_convert(args[0], v, f"{key}[{i}]") for i, v in enumerate(value)]
    return _scalar(hint, value, key)


def _scalar(hint: Any, value: object, key: str) -> Any:
    """Check a leaf value; ints are accepted where floats are expected."""
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(key, value, f"a value of type {getattr(hint, '__name__', hint)}")


def _reject_unknown(data: Mapping[str, Any], known: set[str], prefix: str) -> None:
    for name in data:
        if name not in known:
            raise ConfigError(
                f"{prefix}{name}", data[name], f"one of the known keys: {', '.join(sorted(known))}"
            )


def _without(data: object, key: str) -> object:
    if isinstance(data, Mapping):
        return {k: v for k, v in data.items() if k != key}
    return data


def _seed(value: object) -> int:
    # numpy's SeedSequence takes any non-negative integer.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError("seed", value, "an integer of 0 or more")
    return value


def _run_id(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not _RUN_ID.fullmatch(text) or set(text) == {"."}:
        raise ConfigError("run_id", value, "a folder name of letters, digits, '.', '_' or '-'")
    return text


def _check_faults_start_in_time(scenario: Scenario, duration: float) -> None:
    for i, fault in enumerate(scenario.faults):
        if fault.at >= duration:
            key = f"scenario.faults[{i}].at"
            raise ConfigError(key, fault.at, f"a start before the run ends ({duration:g} s)")


def _fraction(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ConfigError(key, value, "a number between 0 and 1, e.g. 0.999")
    return float(value)


def _positive_duration(value: object, key: str) -> float:
    expected = "a positive duration such as '90s', '5m' or '1h'"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(key, value, expected)
    try:
        seconds = parse_duration(value, key)
    except ConfigError:
        raise ConfigError(key, value, expected) from None
    if seconds <= 0:
        raise ConfigError(key, value, expected)
    return seconds


def _datetime(value: object, key: str, duration: float) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(
            key, value, "an ISO 8601 time such as 2026-01-05T09:00:00+00:00"
        ) from exc
    if moment.tzinfo is None:
        raise ConfigError(key, value, "a time with a UTC offset, e.g. +00:00")
    try:
        moment + timedelta(seconds=duration)
    except OverflowError:
        raise ConfigError(key, value, "a time the run's duration can be added to") from None
    return moment
