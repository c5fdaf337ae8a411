"""The whole PromQL surface alert rules use, against the real promtool.

Subqueries, ``offset`` and ``@`` everywhere, every function and aggregation of Prometheus
2.42, NaN and staleness: each case's answers from this engine become ``promql_expr_test``
expectations that promtool must accept (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

pytestmark = pytest.mark.promtool

Case = tuple[str, dict[str, str], list[tuple[str, str]], str]
CheckExprs = Callable[[Iterable[Case]], dict[str, list[str]]]

COUNTERS = {
    'req{job="a",code="200"}': "0+10x20",
    'req{job="a",code="500"}': "0+1x5 2+1x14",  # a reset at 6m
    'req{job="b",code="200"}': "5+7x3 _x3 40+7x12",  # a gap
    'req{job="c",code="200"}': "100 _x8 130 150 170 stale 200+3x5",  # sparse, then stale
}
GAUGES = {
    'g{pod="p1",svc="s"}': "1 2 3 NaN 5 -Inf 0.1+0.1x10",
    'g{pod="p2",svc="s"}': "0.35 0.15 0.75 1e16 1.5 1.25 1.125 -0 0 Inf 7 8 9 10 11 12",
    'g{pod="p3",svc="t"}': "-1-1.5x15",
    'h{pod="p1",svc="s"}': "2x15",
}
TREND = {
    'm{kind="line"}': "0+3x30",
    'm{kind="noisy"}': "10 12 9 15 14 20 18 25 23 30 29 35 31 40 44 41 47 50 52 49",
    'm{kind="flat"}': "7x30",
    'm{kind="inf"}': " ".join(["Inf"] * 30),
    'm{kind="gappy"}': "1 _x3 5 6 _ 9 stale 12 13 _x5 20 21",
    'm{kind="nan"}': "1 2 NaN 4 5 6 7 8",
}
LABELS = {
    'l{instance="host-1:9100",job="node",path="/a/b"}': "1x10",
    'l{instance="host-22:9100",job="node",path="/a"}': "2x10",
    'l{instance="db",job="pg"}': "3x10",
}
TIMES = ("0m", "3m30s", "5m", "7m", "12m", "20m")


def queries(exprs: Iterable[str], times: Iterable[str] = TIMES) -> list[tuple[str, str]]:
    return [(e, t) for e in exprs for t in times]


CASES: list[Case] = [
    (
        "subqueries",
        {**COUNTERS, **GAUGES},
        queries(
            [
                "max_over_time(g[5m:1m])",
                "min_over_time(g[3m:45s])",
                "count_over_time(g[7m:])",
                "sum_over_time(g[5m:1m] offset 2m)",
                "max_over_time((g > 0.5)[10m:30s])",
                "last_over_time(g[4m:1m])",
                "rate(req[5m:1m])",
                "irate(req[5m:30s])",
                "avg_over_time(rate(req[2m])[10m:2m])",
                "avg_over_time(max_over_time(rate(req[1m])[5m:1m])[10m:2m])",
                "deriv(g[10m:1m])",
                "max_over_time(vector(time())[5m:1m])",
                "absent_over_time(nope[5m:1m])",
                'absent_over_time(g{pod="p1"}[2m:1m])',
                "changes(g[10m:1m])",
                "count_over_time(g[90s:1m])",
            ]
        ),
        "1m",
    ),
    (
        "offset and @",
        {**COUNTERS, **GAUGES},
        queries(
            [
                "g @ 300",
                "g offset 2m",
                "g offset -1m",
                "g @ 0",
                "g @ 300 offset 1m",
                "rate(req[5m] @ 600)",
                "rate(req[5m] offset 1m @ 600)",
                "max_over_time(g[5m:1m] @ 420)",
                "max_over_time(g[5m:1m] offset 1m)",
                "g @ start()",
                "rate(req[3m] @ end())",
                "sum(g @ 120)",
                "timestamp(g @ 240)",
                "timestamp(g offset 3m)",
            ]
        ),
        "1m",
    ),
    (
        "over-time statistics",
        {**COUNTERS, **GAUGES, **TREND},
        queries(
            [
                *(f"quantile_over_time({q}, g[5m])" for q in ("0", "0.25", "0.5", "0.9", "1")),
                *(f"quantile_over_time({q}, m[10m])" for q in ("-1", "2", "NaN", "0.33")),
                "stddev_over_time(g[5m])",
                "stdvar_over_time(m[10m])",
                "stddev_over_time(m[20m])",
                "present_over_time(req[2m])",
                "changes(g[10m])",
                "changes(m[15m])",
                "resets(req[10m])",
                "resets(m[20m])",
            ]
        ),
        "1m",
    ),
    (
        "trends",
        {**TREND, **GAUGES},
        queries(
            [
                "deriv(m[5m])",
                "deriv(m[20m])",
                "deriv(g[4m])",
                "predict_linear(m[10m], 600)",
                "predict_linear(m[5m] offset 2m, 3600)",
                "predict_linear(g[3m], -60)",
                "holt_winters(m[10m], 0.5, 0.5)",
                "holt_winters(m[5m], 0.1, 0.9)",
                "idelta(m[3m])",
                "idelta(g[2m])",
                "delta(m[7m])",
            ],
            ("2m", "5m", "9m", "15m", "19m", "25m"),
        ),
        "1m",
    ),
    (
        "aggregations with parameters",
        {**GAUGES, **LABELS},
        queries(
            [
                "topk(2, g)",
                "bottomk(1, g)",
                "topk by (svc) (1, g)",
                "bottomk without (pod) (2, g)",
                "topk(0, g)",
                "topk(1.9, g)",
                "topk(scalar(h), g)",
                "bottomk(-1, g)",
                "quantile(0.5, g)",
                "quantile by (svc) (0.9, g)",
                "quantile(NaN, g)",
                "quantile(-1, g)",
                'count_values("v", g)',
                'count_values without (pod) ("v", g)',
                'count_values by (svc) ("pod", g)',
                'count_values("value", l)',
                "stddev(g)",
                "stdvar by (svc) (g)",
                "stddev without (pod) (l)",
                "group(g)",
                "group by (svc) (g)",
            ],
            ("0m", "2m", "4m", "6m", "8m", "12m"),
        ),
        "1m",
    ),
    (
        "label functions",
        {**LABELS, **GAUGES},
        queries(
            [
                'label_replace(l, "host", "$1", "instance", "(.*):.*")',
                'label_replace(l, "host", "$1", "instance", "host")',
                'label_replace(l, "host", "${1}x$2", "instance", "host-(\\\\d)(\\\\d)?:.*")',
                'label_replace(l, "port", "$port", "instance", ".*:(?P<port>\\\\d+)")',
                'label_replace(l, "job", "", "job", "node")',
                'label_replace(l, "x", "$$1 $1x $", "job", "(.*)")',
                'label_replace(l, "x", "[$0]", "path", "/a(/b)?")',
                'label_replace(l, "x", "y", "nope", "")',
                'label_replace(g, "__name__", "renamed", "pod", "p1")',
                'label_replace(l, "x", "$1", "job", "(?i)NODE|(P)G")',
                'label_replace(l, "x", "$1", "path", "[[:punct:]]([[:alpha:]])[^b]*")',
                'label_join(l, "id", "/", "job", "instance")',
                'label_join(l, "id", "", "nope")',
                'label_join(l, "job", "-", "job", "job")',
                'label_join(g, "all", ",", "svc", "pod", "nope", "svc")',
            ],
            ("0m", "5m"),
        ),
        "1m",
    ),
    (
        "absent",
        {**GAUGES, **COUNTERS},
        queries(
            [
                "absent(nope)",
                'absent(nope{a="b"})',
                'absent(nope{a="b",a="c"})',
                'absent(nope{a=~"b"})',
                'absent(nope{a="b",c!="d"})',
                'absent(nope{a=""})',
                'absent(nope{a!="x",a="y"})',
                "absent(g)",
                "absent(sum(nope))",
                'absent((nope{a="b"}))',
                'absent(nope{a="b"} @ 100)',
                'absent_over_time(nope{a="b"}[5m])',
                'absent_over_time(req{job="c"}[1m])',
                "absent_over_time(g[1m] offset 30m)",
            ]
        ),
        "1m",
    ),
    (
        "numbers and time",
        {
            **GAUGES,
            't{unix="1"}': "1e9 1.6e9 1.7e9 951782400 0 -86400 4102444800 253402300799 2e9",
        },
        queries(
            [
                "sqrt(g)",
                "exp(g)",
                "ln(g)",
                "log2(g)",
                "log10(g)",
                "log2(t)",
                "sgn(g)",
                "round(g)",
                "round(g, 0.5)",
                "round(g, 3)",
                "round(g, 0)",
                "clamp(g, 0, 1)",
                "clamp(g, 1, 0)",
                "clamp_max(g, NaN)",
                *(f"{fn}(g / 4)" for fn in ("sin", "cos", "tan", "asin", "acos", "atan")),
                *(f"{fn}(g / 4)" for fn in ("sinh", "cosh", "tanh", "asinh", "acosh", "atanh")),
                "deg(g)",
                "rad(g)",
                "pi() * 2",
                "abs(g) + ceil(g) - floor(g)",
                "timestamp(g)",
                "timestamp(rate(g[5m]))",
                "time() - timestamp(g)",
                *(f"{fn}(t)" for fn in ("minute", "hour", "day_of_week", "day_of_month")),
                *(f"{fn}(t)" for fn in ("day_of_year", "days_in_month", "month", "year")),
                "hour()",
                "year()",
                "sort(g)",
                "sort_desc(g)",
                "histogram_count(g)",
                "histogram_sum(g)",
                "histogram_fraction(0, 1, g)",
            ],
            ("0m", "3m", "4m", "6m", "9m"),
        ),
        "1m",
    ),
    (
        "NaN and staleness",
        {**GAUGES, **COUNTERS, 's{a="1"}': "1 _x2 stale 2 NaN stale _x3 3 NaN NaN"},
        queries(
            [
                "g > 1",
                "g != g",
                "g == bool g",
                "g < bool NaN",
                "s",
                "s + 1",
                "count_over_time(s[2m])",
                "rate(s[3m])",
                "max_over_time(s[4m])",
                "avg_over_time(s[5m])",
                "last_over_time(s[3m])",
                "changes(s[10m])",
                "sum(s) / count(s)",
                "s / 0",
                "0 / 0 > 1",
            ],
            ("0m", "1m", "3m", "4m", "5m", "6m", "8m", "10m", "11m", "13m"),
        ),
        "1m",
    ),
    (
        "errors",
        {**GAUGES, **LABELS},
        [
            ('label_replace(l, "x", "$1", "job", "(")', "1m"),
            ('label_replace(l, "1x", "$1", "job", "(.*)")', "1m"),
            ('label_replace(l, "job", "same", "job", ".*")', "1m"),
            ('label_join(l, "x-y", ",", "job")', "1m"),
            ('label_join(l, "x", ",", "bad-name")', "1m"),
            ("topk(NaN, g)", "1m"),
            ('count_values("bad-name", g)', "1m"),
            ("holt_winters(g[5m], 1, 0.5)", "5m"),
            ("holt_winters(g[5m], 0.5, 0)", "5m"),
            ("timestamp(l) + timestamp(g)", "1m"),
            ('label_replace(g, "pod", "p", "pod", ".*")', "1m"),
        ],
        "1m",
    ),
    (
        "seconds and odd steps",
        {'x{a="1"}': "0+1x30 0+5x30", 'x{a="2"}': "1 _x25 2 3 stale 4"},
        queries(
            [
                "max_over_time(x[20s:7s])",
                "rate(x[30s:4s])",
                "sum_over_time(x[13s:3s] offset 5s)",
                "x @ 31",
                "deriv(x[20s])",
                "predict_linear(x[15s], 10)",
            ],
            ("17s", "29s", "30s", "45s", "58s"),
        ),
        "1s",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_engine_agrees_with_promtool(case: Case, check_exprs: CheckExprs) -> None:
    problems = check_exprs([case])
    assert problems == {case[0]: []}, "\n".join(problems[case[0]])
