"""An in-memory time-series store: float samples per series, indexed by metric name.

Each series keeps its timestamps and values in two growable numpy buffers (doubled when
full), so a query reads numpy views and no sample is ever a Python object. Stale markers
(:data:`dos.telemetry.STALE_NAN`) are stored as ordinary samples; the PromQL engine gives
them their meaning.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from dos.errors import DOSError
from dos.telemetry import Labels, MetricScrape, is_stale

__all__ = [
    "MatchOp",
    "Matcher",
    "OutOfOrderSampleError",
    "Series",
    "SeriesStore",
    "StoreError",
    "format_labels",
]

_INITIAL_CAPACITY = 16
_SELECTION_CACHE_LIMIT = 10_000


class StoreError(DOSError, ValueError):
    """A series, sample or matcher the store cannot accept."""


class OutOfOrderSampleError(StoreError):
    """A sample is not newer than the newest sample its series already holds."""

    def __init__(self, labels: Labels, newest: float, received: float) -> None:
        super().__init__(
            f"series {format_labels(labels)}: got a sample at t={received!r} but the series "
            f"already holds one at t={newest!r}; samples must arrive in increasing time order "
            f"and a timestamp may not repeat"
        )
        self.labels = labels
        self.newest = newest
        self.received = received


def format_labels(labels: Labels) -> str:
    """Write ``labels`` as PromQL writes a series: ``name{a="b"}``."""
    name = ""
    pairs = []
    for key, value in labels:
        if key == "__name__":
            name = value
        else:
            pairs.append(f"{key}={_quote(value)}")
    return f"{name}{{{', '.join(pairs)}}}"


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class MatchOp(StrEnum):
    """The four label-matching operators of a PromQL selector."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


# Go's regexp knows POSIX classes inside brackets; Python's does not, so spell them out.
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")


def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a label regex with RE2's meaning (ASCII classes, ``\\z``, POSIX classes)."""
    if "\\p" in pattern or "\\P" in pattern:
        raise StoreError(f"regex {pattern!r}: Unicode classes (\\p, \\P) are not supported")

    def posix(match: re.Match[str]) -> str:
        """Spell out one POSIX class."""
        negated, name = match.groups()
        if negated or name not in _POSIX_CLASSES:
            raise StoreError(f"regex {pattern!r}: unsupported class [:{negated}{name}:]")
        return _POSIX_CLASSES[name]

    translated = _POSIX_CLASS.sub(posix, pattern).replace("\\z", "\\Z")
    try:
        return re.compile(translated, re.ASCII)
    except re.error as exc:
        raise StoreError(f"regex {pattern!r}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher; a regex must match the whole value, and a missing label is ``""``."""

    name: str
    op: MatchOp
    value: str
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        regex = None
        if self.op in (MatchOp.REGEX, MatchOp.NOT_REGEX):
            regex = compile_regex(self.value)
        object.__setattr__(self, "_regex", regex)

    def matches(self, value: str) -> bool:
        """Tell whether a label value (``""`` when absent) satisfies this matcher."""
        if self._regex is None:
            return (value == self.value) == (self.op is MatchOp.EQUAL)
        return (self._regex.fullmatch(value) is not None) == (self.op is MatchOp.REGEX)

    def __str__(self) -> str:
        return f"{self.name}{self.op}{_quote(self.value)}"


class Series:
    """One series: its labels and its samples in increasing time order.

    ``newest_time``/``newest_value`` and the ``last_*_index`` markers are kept up to date
    on every append so that queries over recent data need not touch the buffers at all.
    """

    __slots__ = (
        "_last_real",
        "_size",
        "_times",
        "_values",
        "label_map",
        "labels",
        "last_reset_index",
        "last_stale_index",
        "name",
        "newest_time",
        "newest_value",
        "unnamed_labels",
    )

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.label_map = dict(labels)
        self.name = self.label_map.get("__name__", "")
        self.unnamed_labels: Labels = tuple(p for p in labels if p[0] != "__name__")
        """The labels without ``__name__``, as most PromQL functions return them."""
        self._times = np.empty(_INITIAL_CAPACITY)
        self._values = np.empty(_INITIAL_CAPACITY)
        self._size = 0
        self.newest_time = -math.inf
        self.newest_value = math.nan
        self.last_stale_index = -1
        """Index of the newest stale marker, -1 if none."""
        self.last_reset_index = -1
        """Index of the newest sample lower than the non-stale sample before it, -1 if none."""
        self._last_real = math.nan

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"Series({format_labels(self.labels)}, {self._size} samples)"

    @property
    def timestamps(self) -> NDArray[np.float64]:
        """The sample times (a read-only view, valid until the next append)."""
        view = self._times[: self._size]
        view.flags.writeable = False
        return view

    @property
    def values(self) -> NDArray[np.float64]:
        """The sample values (a read-only view, valid until the next append)."""
        view = self._values[: self._size]
        view.flags.writeable = False
        return view

    def get(self, name: str) -> str:
        """Return label ``name``'s value, ``""`` when the series lacks it."""
        return self.label_map.get(name, "")

    def at(self, index: int) -> tuple[float, float]:
        """Return sample ``index`` (counted from 0, oldest first) as ``(time, value)``."""
        if not 0 <= index < self._size:
            raise IndexError(f"sample index {index} out of range for {self._size} samples")
        return self._times.item(index), self._values.item(index)

    def count_until(self, t: float) -> int:
        """Return how many samples are at or before time ``t``."""
        if t >= self.newest_time:
            return self._size
        return bisect.bisect_right(self._times, t, 0, self._size)

    def count_before(self, t: float) -> int:
        """Return how many samples are strictly before time ``t``."""
        if t > self.newest_time:
            return self._size
        return bisect.bisect_left(self._times, t, 0, self._size)

    def append(self, t: float, v: float) -> None:
        """Add one sample newer than every sample held."""
        size = self._size
        if not t > self.newest_time:  # also rejects a NaN timestamp
            raise OutOfOrderSampleError(self.labels, self.newest_time, t)
        if size == len(self._times):
            self._grow()
        self._times[size] = t
        self._values[size] = v
        self._size = size + 1
        self.newest_time = t
        self.newest_value = v
        if v != v and is_stale(v):
            self.last_stale_index = size
            return
        # A NaN on either side compares false, as in Prometheus' counter-reset test.
        if v < self._last_real:
            self.last_reset_index = size
        self._last_real = v

    def _grow(self) -> None:
        capacity = 2 * len(self._times)
        for name in ("_times", "_values"):
            grown = np.empty(capacity)
            grown[: self._size] = getattr(self, name)[: self._size]
            setattr(self, name, grown)


class SeriesStore:
    """Float series in memory, selectable with PromQL's label matchers.

    Selection goes through an index by metric name and its results are cached until a
    new series appears, so repeated rule evaluations cost no scan.
    """

    def __init__(self) -> None:
        self._series: dict[Labels, Series] = {}
        self._by_name: dict[str, list[Series]] = {}
        self._samples = 0
        # Bumped whenever a series is created (globally and per metric name).
        self._generation = 0
        self._name_generation: dict[str, int] = {}
        self._selections: dict[tuple[Matcher, ...], tuple[int, list[Series]]] = {}

    @property
    def series_count(self) -> int:
        """The number of series held."""
        return len(self._series)

    @property
    def sample_count(self) -> int:
        """The number of samples held, stale markers included."""
        return self._samples

    def iter_series(self) -> Iterator[Series]:
        """Yield every series, in the order they were created."""
        yield from self._series.values()

    def get(self, labels: Labels) -> Series | None:
        """Return the series with exactly ``labels``, if held."""
        return self._series.get(labels)

    def append(self, scrape: MetricScrape) -> None:
        """Add one scrape: a sample of each of its series at its timestamp."""
        t = float(scrape.timestamp)
        series = self._series
        for labels, v in zip(scrape.series, scrape.values.tolist(), strict=True):
            target = series.get(labels)
            if target is None:
                target = self._create(labels)
            target.append(t, v)
        self._samples += len(scrape.series)

    def append_sample(self, labels: Labels, t: float, v: float) -> None:
        """Add one sample to the series ``labels``, creating the series if new."""
        target = self._series.get(labels)
        if target is None:
            target = self._create(labels)
        target.append(float(t), float(v))
        self._samples += 1

    def select(self, matchers: Sequence[Matcher]) -> list[Series]:
        """Return the series every matcher accepts, sorted by labels as Prometheus sorts them.

        The returned list is shared with the selection cache: do not modify it.
        """
        key = tuple(matchers)
        name = _equal_name(key)
        generation = self._generation if name is None else self._name_generation.get(name, 0)
        cached = self._selections.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        selected = [s for s in self._candidates(key, name) if _accepts(s, key)]
        selected.sort(key=_labels_of)
        if len(self._selections) >= _SELECTION_CACHE_LIMIT:
            self._selections.clear()
        self._selections[key] = (generation, selected)
        return selected

    def _candidates(self, matchers: tuple[Matcher, ...], name: str | None) -> list[Series]:
        if name is not None:
            return self._by_name.get(name, [])
        for m in matchers:
            if m.name == "__name__" and not m.matches(""):
                # Only names present in the index can match: scan names, not series.
                return [s for n, group in self._by_name.items() if m.matches(n) for s in group]
        return list(self._series.values())

    def _create(self, labels: Labels) -> Series:
        _check_labels(labels)
        created = Series(labels)
        self._series[labels] = created
        self._by_name.setdefault(created.name, []).append(created)
        self._generation += 1
        self._name_generation[created.name] = self._name_generation.get(created.name, 0) + 1
        return created


def _equal_name(matchers: tuple[Matcher, ...]) -> str | None:
    for m in matchers:
        if m.name == "__name__" and m.op is MatchOp.EQUAL and m.value:
            return m.value
    return None


def _accepts(series: Series, matchers: tuple[Matcher, ...]) -> bool:
    get = series.label_map.get
    return all(m.matches(get(m.name, "")) for m in matchers)


def _labels_of(series: Series) -> Labels:
    return series.labels


def _check_labels(labels: Labels) -> None:
    names = [name for name, _ in labels]
    if names != sorted(set(names)):
        raise StoreError(
            f"series {labels!r}: label names must be unique and sorted (use labels_of)"
        )
    for name, value in labels:
        if not value:
            raise StoreError(f"series {format_labels(labels)}: label {name!r} has an empty value")
