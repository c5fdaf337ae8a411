"""The series store: appends scrapes and samples, and selects series by label matchers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.telemetry import Labels, MetricScrape
from dos.tsdb.errors import StoreError, format_labels
from dos.tsdb.matchers import Matcher, MatchOp
from dos.tsdb.series import Block, Series

__all__ = ["Group", "Selection", "SeriesStore"]

_SELECTION_CACHE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Group:
    """Selected series that share a block: ``columns[i]`` is series ``positions[i]``'s."""

    block: Block
    columns: NDArray[np.intp]
    positions: NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Selection:
    """The series a set of matchers selects, sorted by labels, and the blocks holding them.

    The lists are built once per selection and shared by every query that repeats it, so
    callers may compare them by identity and must not modify them.
    """

    series: list[Series]
    labels: list[Labels]
    unnamed: list[Labels]
    groups: list[Group]

    @classmethod
    def of(cls, series: list[Series]) -> Selection:
        """Build the selection of ``series`` (already sorted)."""
        by_block: dict[int, tuple[Block, list[int], list[int]]] = {}
        for position, s in enumerate(series):
            entry = by_block.setdefault(id(s.block), (s.block, [], []))
            entry[1].append(s.column)
            entry[2].append(position)
        groups = [
            Group(block, np.array(columns, dtype=np.intp), np.array(positions, dtype=np.intp))
            for block, columns, positions in by_block.values()
        ]
        return cls(series, [s.labels for s in series], [s.unnamed_labels for s in series], groups)


class SeriesStore:
    """Float series in memory, selectable with PromQL's label matchers.

    Selection goes through an index by metric name and its results are cached until a
    series of that name appears or changes block, so repeated rule evaluations cost no
    scan. A scrape listing the same series as the one before is stored with one write per
    block rather than one per series.
    """

    def __init__(self) -> None:
        self._series: dict[Labels, Series] = {}
        self._by_name: dict[str, list[Series]] = {}
        self._samples = 0
        # Bumped whenever a series is created or moves block (globally and per metric name).
        self._generation = 0
        self._name_generation: dict[str, int] = {}
        self._selections: dict[tuple[Matcher, ...], tuple[int, Selection]] = {}
        self._open: Block | None = None
        self._plan: _ScrapePlan | None = None

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
        plan = self._plan
        if (
            plan is not None
            and plan.generation == self._generation
            and plan.fits(scrape.series)
            and plan.write(t, scrape.values)
        ):
            self._samples += len(scrape.series)
            return
        new = [labels for labels in dict.fromkeys(scrape.series) if labels not in self._series]
        if new:
            block = Block(len(new))
            for column, labels in enumerate(new):
                self._create(labels, block, column)
        series = self._series
        for labels, v in zip(scrape.series, scrape.values.tolist(), strict=True):
            target = series[labels]
            if target.append(t, v):
                self._moved(target)
            self._samples += 1
        self._plan = _ScrapePlan.of(scrape.series, [series[lbl] for lbl in scrape.series])
        self._plan.generation = self._generation

    def append_sample(self, labels: Labels, t: float, v: float) -> None:
        """Add one sample to the series ``labels``, creating the series if new.

        A new series shares the block of the series created before it when both start at
        the same time, so that series loaded one after another still share storage.
        """
        target = self._series.get(labels)
        if target is None:
            block = self._open
            if block is None or not block.rows or block.times.item(0) != t:
                block = self._open = Block(0)
            target = self._create(labels, block, block.add_column())
        if target.append(float(t), float(v)):
            self._moved(target)
        self._samples += 1

    def select(self, matchers: Sequence[Matcher]) -> list[Series]:
        """Return the series every matcher accepts, sorted by labels as Prometheus sorts them.

        The returned list is shared with the selection cache: do not modify it.
        """
        return self.selection(matchers).series

    def selection(self, matchers: Sequence[Matcher]) -> Selection:
        """Return what :meth:`select` returns, with the blocks holding the series."""
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
        out = Selection.of(selected)
        self._selections[key] = (generation, out)
        return out

    def _candidates(self, matchers: tuple[Matcher, ...], name: str | None) -> list[Series]:
        if name is not None:
            return self._by_name.get(name, [])
        for m in matchers:
            if m.name == "__name__" and not m.matches(""):
                # Only names present in the index can match: scan names, not series.
                return [s for n, group in self._by_name.items() if m.matches(n) for s in group]
        return list(self._series.values())

    def _create(self, labels: Labels, block: Block, column: int) -> Series:
        _check_labels(labels)
        created = Series(labels, block, column)
        self._series[labels] = created
        self._by_name.setdefault(created.name, []).append(created)
        self._moved(created)
        return created

    def _moved(self, series: Series) -> None:
        """Invalidate what depends on where ``series`` is stored."""
        self._generation += 1
        self._name_generation[series.name] = self._name_generation.get(series.name, 0) + 1


class _ScrapePlan:
    """Where each series of a scrape is stored, grouped by block, to store the next alike."""

    def __init__(self, series: Sequence[Labels], groups: list[Group]) -> None:
        self.series = list(series)
        self.groups = groups
        self.generation = -1

    @classmethod
    def of(cls, labels: Sequence[Labels], series: list[Series]) -> _ScrapePlan:
        return cls(labels, Selection.of(series).groups)

    def fits(self, series: Sequence[Labels]) -> bool:
        """Tell whether ``series`` lists the same series in the same order."""
        return (series if isinstance(series, list) else list(series)) == self.series

    def write(self, t: float, values: NDArray[np.float64]) -> bool:
        """Store one row per block if every series is at its block's newest row."""
        for g in self.groups:
            block = g.block
            if not t > block.newest_time or np.count_nonzero(block.sizes[g.columns] != block.rows):
                return False
        for g in self.groups:
            g.block.write_row(g.block.push_time(t), g.columns, values[g.positions])
        return True


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
