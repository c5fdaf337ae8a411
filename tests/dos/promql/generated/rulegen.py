"""Random alerting rules over a case's series, with thresholds the data crosses.

A rule compares a base expression with a threshold drawn from the values the base takes
over the case (DOS evaluates it at every evaluation time): the midpoint between two
neighbouring values, so that the alert flips on and off but no value sits on the
threshold, where the last bit of a sum could decide. ``for`` and ``keep_firing_for`` are
drawn too, on and off the evaluation grid. Bases cover the functions alert rules use:
rates, the ``*_over_time`` family, subqueries, offsets, aggregations, joins, ratios that
may be 0/0, ``histogram_quantile``, ``absent``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import yaml

from dos.detect.promtool_series import load_series
from dos.errors import DOSError
from dos.promql import Engine
from dos.tsdb import SeriesStore

Draw = Callable[[np.random.Generator, "Catalog", float], str]


@dataclass
class RuleCase:
    """One generated case: series (selector to promtool values) and rules, every ``interval``."""

    name: str
    interval: float
    steps: int
    series: dict[str, str]
    rules: list[dict[str, object]]
    notes: list[str] = field(default_factory=list)

    def rule_file(self) -> str:
        """Return the case's rule file."""
        return yaml.safe_dump({"groups": [{"name": self.name, "rules": self.rules}]})


@dataclass
class Catalog:
    """What the series of a case offer to rules: metric names by kind, and how they group."""

    counters: list[str]
    gauges: list[str]
    histograms: list[str]
    ratios: list[tuple[str, str]]
    group_by: str
    groups: list[str]
    fixed: list[str] = field(default_factory=list)
    """Whole base expressions to draw from as well (the default rules', for the twin)."""


def _window(rng: np.random.Generator, interval: float) -> str:
    return f"{int(interval * int(rng.choice([2, 3, 4, 5, 8, 12])))}s"


def _pick(rng: np.random.Generator, names: list[str]) -> str:
    return str(names[int(rng.integers(0, len(names)))])


def _counter(rng: np.random.Generator, c: Catalog, interval: float) -> str:
    name, w = _pick(rng, c.counters), _window(rng, interval)
    choices = [
        f"rate({name}[{w}])",
        f"increase({name}[{w}])",
        f"irate({name}[{w}])",
        f"resets({name}[{w}])",
        f"sum by ({c.group_by}) (rate({name}[{w}]))",
        f"max_over_time(rate({name}[{w}])[{_window(rng, interval)}:{int(interval)}s])",
        f"avg_over_time(irate({name}[{w}])[{_window(rng, interval)}:])",
        f"rate({name}[{w}] offset {int(interval) * 3}s)",
    ]
    return _pick(rng, choices)


def _gauge(rng: np.random.Generator, c: Catalog, interval: float) -> str:
    name, w = _pick(rng, c.gauges), _window(rng, interval)
    over = _pick(rng, ["avg", "max", "min", "sum", "count", "last", "stddev", "stdvar"])
    choices = [
        name,
        f"{name} offset {int(interval) * 2}s",
        f"{over}_over_time({name}[{w}])",
        f"quantile_over_time({rng.choice([0.1, 0.5, 0.9])}, {name}[{w}])",
        f"changes({name}[{w}])",
        f"deriv({name}[{w}])",
        f"predict_linear({name}[{w}], {int(rng.choice([60, 600, 3600]))})",
        f"delta({name}[{w}])",
        f"idelta({name}[{w}])",
        f"{_pick(rng, ['avg', 'max', 'min', 'sum', 'count'])} by ({c.group_by}) ({name})",
        f"quantile by ({c.group_by}) (0.5, {name})",
        f"abs({name} - {name} offset {_window(rng, interval)})",
        f"clamp({name}, 10, 90)",
        f'label_replace({name}, "copy", "$1", "{c.group_by}", "(.*)")',
    ]
    return _pick(rng, choices)


def _histogram(rng: np.random.Generator, c: Catalog, interval: float) -> str:
    name, w = _pick(rng, c.histograms), _window(rng, interval)
    q = rng.choice([0.5, 0.9, 0.99])
    if rng.random() < 0.5:
        return f"histogram_quantile({q}, sum by (le, {c.group_by}) (rate({name}_bucket[{w}])))"
    return f"histogram_quantile({q}, rate({name}_bucket[{w}]))"


def _ratio(rng: np.random.Generator, c: Catalog, interval: float) -> str:
    errors, requests = c.ratios[int(rng.integers(0, len(c.ratios)))]
    w, by = _window(rng, interval), c.group_by
    if rng.random() < 0.5:
        return f"sum by ({by}) (rate({errors}[{w}])) / sum by ({by}) (rate({requests}[{w}]))"
    increases = f"sum by ({by}) (increase({errors}[{w}]))"
    return f"{increases} / on ({by}) sum by ({by}) (increase({requests}[{w}]))"


def _fixed(rng: np.random.Generator, c: Catalog, interval: float) -> str:
    return _pick(rng, c.fixed) if c.fixed else _gauge(rng, c, interval)


_BASES: list[Draw] = [_counter, _counter, _gauge, _gauge, _gauge, _histogram, _ratio, _fixed]


def _absent(rng: np.random.Generator, c: Catalog, interval: float) -> str:
    group = _pick(rng, [*c.groups, "nowhere"])
    name = _pick(rng, [*c.gauges, *c.counters])
    if rng.random() < 0.5:
        return f'absent({name}{{{c.group_by}="{group}"}})'
    return f'absent_over_time({name}{{{c.group_by}="{group}"}}[{_window(rng, interval)}])'


def _values(engine: Engine, expr: str, times: list[float]) -> list[float]:
    """Return every finite value ``expr`` takes at ``times`` (none if it cannot be evaluated)."""
    out: list[float] = []
    for t in times:
        try:
            out.extend(v for v in engine.evaluate(expr, t).values.tolist() if math.isfinite(v))
        except DOSError:
            return []
    return out


def _threshold(rng: np.random.Generator, values: list[float]) -> float:
    """Return a midpoint between two neighbouring values, well clear of both."""
    distinct = sorted(set(values))
    gaps = [
        (a + b) / 2
        for a, b in itertools.pairwise(distinct)
        if b - a > 1e-9 * max(abs(a), abs(b), 1.0)
    ]
    if not gaps:
        return float(distinct[0]) + 0.5 if distinct else 0.5
    # Favour the middle of the range: alerts that flip rather than always or never fire.
    index = int(np.clip(rng.normal(0.5, 0.25), 0, 0.999) * len(gaps))
    return float(gaps[index])


def _duration(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms" if seconds != int(seconds) else f"{int(seconds)}s"


def _rule(
    rng: np.random.Generator, name: str, expr: str, interval: float, case: str, group_by: str
) -> dict[str, object]:
    rule: dict[str, object] = {"alert": name, "expr": expr}
    hold = float(rng.choice([0, 0, 1, 2, 2.5, 4, 8])) * interval
    if hold:
        rule["for"] = _duration(hold)
    keep = float(rng.choice([0, 0, 0, 1, 3, 7])) * interval
    if keep:
        rule["keep_firing_for"] = _duration(keep)
    labels = {"case": case, "severity": str(rng.choice(["page", "ticket"]))}
    if rng.random() < 0.2:
        # Never empty: where a label template expands to nothing, Prometheus' ALERTS keep
        # the raw template text (the rule's labels underlie the alert's), DOS's do not.
        labels["team"] = f"team-{{{{ $labels.{group_by} }}}}"
    rule["labels"] = labels
    return rule


def make_case(
    rng: np.random.Generator,
    name: str,
    interval: float,
    steps: int,
    series: dict[str, str],
    catalog: Catalog,
) -> RuleCase:
    """Draw 2 to 5 rules (maybe a recording rule too) over ``series``."""
    store = SeriesStore()
    load_series(store, series, interval)
    engine = Engine(store, subquery_step=interval)
    # Thresholds need the spread of values, not every one of them.
    times = [k * interval for k in range(0, steps, 3)]
    rules: list[dict[str, object]] = []
    notes = []
    if rng.random() < 0.3:
        recorded = f"{catalog.group_by}:gauge:avg"
        rules.append(
            {"record": recorded, "expr": f"avg by ({catalog.group_by}) ({catalog.gauges[0]})"}
        )
        base = f"avg by ({catalog.group_by}) ({catalog.gauges[0]})"
        threshold = _threshold(rng, _values(engine, base, times))
        rules.append(
            _rule(rng, "Recorded", f"{recorded} > {threshold!r}", interval, name, catalog.group_by)
        )
    for k in range(int(rng.integers(2, 6))):
        if rng.random() < 0.12:
            rules.append(
                _rule(
                    rng,
                    f"Absent{k}",
                    _absent(rng, catalog, interval),
                    interval,
                    name,
                    catalog.group_by,
                )
            )
            continue
        base = _BASES[int(rng.integers(0, len(_BASES)))](rng, catalog, interval)
        op = str(rng.choice([">", "<", ">=", "<="]))
        threshold = _threshold(rng, _values(engine, base, times))
        expr = f"{base} {op} {threshold!r}"
        if rng.random() < 0.1:
            other = _gauge(rng, catalog, interval)
            cut = _threshold(rng, _values(engine, other, times))
            joint = str(rng.choice(["and", "or", "unless"]))
            expr = f"({expr}) {joint} on ({catalog.group_by}) ({other} > {cut!r})"
        notes.append(expr)
        rules.append(_rule(rng, f"Rule{k}", expr, interval, name, catalog.group_by))
    return RuleCase(name, interval, steps, series, rules, notes)


Source = Callable[[np.random.Generator], tuple[float, int, dict[str, str], dict[str, object]]]


def cases(seed: int, count: int, source: Source, prefix: str) -> list[RuleCase]:
    """Draw ``count`` cases; case ``i`` depends on ``seed`` and ``i`` only."""
    out = []
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(count)):
        rng = np.random.default_rng(child)
        interval, steps, series, fields = source(rng)
        catalog = Catalog(**fields)  # type: ignore[arg-type]
        out.append(make_case(rng, f"{prefix}{seed}_{i:03d}", interval, steps, series, catalog))
    return out
