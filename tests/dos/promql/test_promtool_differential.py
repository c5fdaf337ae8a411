"""The engine against the real promtool: same series, same expressions, same answers.

For each case the engine's results become ``promql_expr_test`` expectations in a promtool
unit-test file, and ``promtool test rules`` must pass on it; where the engine raises,
promtool must report the same error (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest

pytestmark = pytest.mark.promtool

CheckExprs = Callable[
    [Iterable[tuple[str, dict[str, str], list[tuple[str, str]], str]]], dict[str, list[str]]
]


@dataclass(frozen=True)
class Case:
    name: str
    series: dict[str, str]
    queries: list[tuple[str, str]]  # (expression, eval time as promtool writes it)
    interval: str = "1m"


COUNTERS = {
    'req{job="a",code="200"}': "0+10x20",
    'req{job="a",code="500"}': "0+1x5 2+1x14",  # a reset at 6m
    'req{job="b",code="200"}': "5+7x3 _x3 40+7x12",  # a gap
    'req{job="c",code="200"}': "100 _x8 130 150 170 stale 200+3x5",  # sparse, then stale
    'req{job="d",code="200"}': "5x5 5+1x5 0x3 2 1 0 4 4",  # flat, resets in a row
}
GAUGES = {
    'g{pod="p1",svc="s"}': "1 2 3 NaN 5 -Inf 0.1+0.1x10",
    'g{pod="p2",svc="s"}': "0.3 0.1 0.7 1e16 1 1 1 -0 0 Inf",
    'g{pod="p3",svc="t"}': "-1-1x15",
    'h{pod="p1",svc="s"}': "2x15",
}
BUCKETS = {
    'lat_bucket{svc="s",le="0.1"}': "0+1x10",
    'lat_bucket{svc="s",le="0.5"}': "0+3x10",
    'lat_bucket{svc="s",le="1"}': "0+4x10",
    'lat_bucket{svc="s",le="+Inf"}': "0+5x10",
    'lat_bucket{svc="t",le="0.25"}': "0+2x10",
    'lat_bucket{svc="t",le="0.250"}': "0+1x10",
    'lat_bucket{svc="t",le="1.0"}': "0+1x10",
    'lat_bucket{svc="t",le="+Inf"}': "0+5x10",
    'lat_bucket{svc="u",le="1"}': "0+2x10",
    'lat_bucket{svc="u",le="2"}': "0+1x10",
    'lat_bucket{svc="u",le="Inf"}': "0+2x10",
    'lat_bucket{svc="v",le="1"}': "1x10",
    'lat_bucket{svc="v",le="abc"}': "3x10",
    'lat_bucket{svc="w",le="-1"}': "0+1x10",
    'lat_bucket{svc="w",le="+Inf"}': "0+2x10",
    'lat_bucket{svc="x",le="1"}': "0+2x10",
    'lat_bucket{svc="x",le="2"}': "0+4x10",
    'lat_bucket{svc="x",le="3"}': "0+3x10",
    'lat_bucket{svc="x",le="4"}': "0+5x10",
    'lat_bucket{svc="x",le="+Inf"}': "0+10x10",
    'other_bucket{svc="s",le="+Inf"}': "1+1x10",
}
JOIN = {
    'usage{ns="n",pod="a",container="c1"}': "0+6x10",
    'usage{ns="n",pod="a",container="c2"}': "0+3x10",
    'usage{ns="n",pod="b",container="c1"}': "0+12x10",
    'limit{ns="n",pod="a",team="x"}': "2x10",
    'limit{ns="n",pod="b",team="y"}': "4x10",
    'info{ns="n",owner="o1"}': "1x10",
}

CASES = [
    Case(
        "rates",
        COUNTERS,
        [
            (f"{fn}(req[{w}])", t)
            for fn in ("rate", "increase", "delta", "irate")
            for w in ("1m", "2m", "5m")
            for t in ("3m", "6m", "7m", "10m", "13m", "20m")
        ],
    ),
    Case(
        "rates with offset and odd windows",
        COUNTERS,
        [
            ("rate(req[3m] offset 2m)", "10m"),
            ("rate(req[90s])", "9m30s"),
            ("increase(req[10m] offset -1m)", "10m"),
            ("rate(req[5m])", "5m1s"),
            ("irate(req[5m])", "19m59s"),
        ],
    ),
    Case(
        "counter extrapolation toward zero",
        {"c1": "_x5 3+2x5", "c2": "_x5 0+2x5", "c3": "_x3 40+1x5", "c4": "_x5 -5+1x5"},
        [(f"increase({n}[10m])", t) for n in ("c1", "c2", "c3", "c4") for t in ("8m", "10m")],
    ),
    Case(
        "extrapolation thresholds",
        {f'e{{gap="{g}"}}': f"_x{g} 10 _x59 20 _x59 30 _x59 40" for g in (60, 65, 66, 67, 70, 80)},
        [
            (f"{fn}(e[5m])", t)
            for fn in ("rate", "increase", "delta")
            for t in ("5m", "5m10s", "5m11s", "5m12s", "5m15s", "5m40s")
        ],
        interval="1s",
    ),
    Case(
        "instant selection and lookback",
        {**COUNTERS, "s": "1 _x10 2 stale _x3 3"},
        [
            (e, t)
            for e in ("req", 'req{code!="200"}', 'req{job=~"a|b"}', 'req{job!~"a"}', "s")
            for t in ("0m", "4m", "5m", "6m", "11m", "12m", "13m", "16m", "17m", "20m")
        ]
        + [("req offset 3m", "10m"), ('{__name__=~"re.*",code=""}', "3m")],
    ),
    Case(
        "over time",
        GAUGES,
        [
            (f"{fn}_over_time({m}[{w}])", t)
            for fn in ("avg", "sum", "min", "max", "count", "last")
            for m in ("g", "h")
            for w in ("3m", "10m")
            for t in ("2m", "5m", "6m", "9m", "15m")
        ],
    ),
    Case(
        "aggregations",
        {**GAUGES, **JOIN},
        [
            (f"{op}{mod}(g)", t)
            for op in ("sum", "avg", "min", "max", "count")
            for mod in ("", " by (svc)", " without (pod)", " by (__name__)", " by (nope)")
            for t in ("0m", "3m", "5m", "7m", "9m")
        ]
        + [("sum by (pod) (usage)", "5m"), ("avg without () (usage)", "5m")],
    ),
    Case(
        "arithmetic and comparisons with scalars",
        GAUGES,
        [
            (e, t)
            for e in (
                "g + 1",
                "2 * g",
                "g / 0",
                "-g / 0",
                "g % 0.3",
                "-7 % g",
                "g ^ 2",
                "2 ^ g",
                "g ^ 0.5",
                "g ^ 3",
                "g ^ -1",
                "g ^ -2",
                "g > 0.5",
                "0.5 < g",
                "g == bool 1",
                "1 >= bool g",
                "g != 1",
                "-g",
                "1 - 2 * 3 ^ 2 % 5",
                "(1 + 2) / 4 > bool 0.5",
                "time() + 1",
                "abs(g)",
                "ceil(g)",
                "floor(g)",
                "clamp_min(g, 0.5)",
                "clamp_max(g, 0.5)",
                "clamp_min(g, -0)",
                "scalar(h)",
                "scalar(g)",
                "vector(3) + 1",
                "vector(time())",
            )
            for t in ("0m", "2m", "3m", "5m", "7m", "9m")
        ],
    ),
    Case(
        "vector matching",
        {**JOIN, **GAUGES},
        [
            (e, "5m")
            for e in (
                "sum by (ns, pod) (rate(usage[5m])) / on (ns, pod) group_left (team) limit",
                "limit * on (ns, pod) group_right (team) usage",
                "limit * on (ns) group_left (owner) info",
                "usage > on (ns, pod) group_left limit",
                "usage > on (ns, pod) limit * 2",
                "usage > bool on (ns, pod) group_left limit",
                "sum by (pod) (usage) / ignoring (team, ns) limit",
                "limit / on (pod) sum by (pod) (usage)",
                "limit > on (pod) sum by (pod) (usage)",
                "limit == ignoring (team) limit",
                "g - ignoring (pod) h",
                "g - on (pod) h",
                "g and h",
                "g and on (pod) h",
                "g unless on (pod) h",
                "g or h",
                "h or on (svc) g",
                "g and ignoring (pod, svc) vector(1)",
                "g or vector(1)",
                "g unless g",
            )
        ],
    ),
    Case(
        "histogram quantile",
        BUCKETS,
        [
            (f"histogram_quantile({q}, {e})", t)
            for q in ("0", "0.25", "0.45", "0.5", "0.99", "1", "-1", "2", "NaN")
            for e in ("lat_bucket", "rate(lat_bucket[5m])")
            for t in ("0m", "5m", "8m")
        ],
    ),
    Case(
        "errors",
        {**GAUGES, **JOIN},
        [
            ('rate({__name__=~"g|h"}[5m])', "5m"),
            ('{__name__=~"g|h"} * 2', "5m"),
            ('-{__name__=~"g|h"}', "5m"),
            ("usage / on (ns, pod) limit", "5m"),
            ("limit / on (ns) usage", "5m"),
            ("limit * on (ns) group_left info", "5m"),
            ("usage + on (ns) group_left limit", "5m"),
            ("g > on (svc) g", "5m"),
            ('{__name__=~"g|h"} + on (pod) group_left max by (pod) (g)', "5m"),
            ("g > on (svc) h", "5m"),
            ('histogram_quantile(0.5, {__name__=~"g|h",le=""} or usage)', "5m"),
        ],
    ),
    Case(
        "seconds interval",
        {'x{a="1"}': "0+1x30 0+5x30", 'x{a="2"}': "1 _x25 2 3 stale 4"},
        [(e, t) for e in ("rate(x[30s])", "x", "delta(x[20s])") for t in ("29s", "30s", "45s")],
        interval="1s",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_agrees_with_promtool(case: Case, check_exprs: CheckExprs) -> None:
    problems = check_exprs([(case.name, case.series, case.queries, case.interval)])
    assert problems == {case.name: []}, "\n".join(problems[case.name])
