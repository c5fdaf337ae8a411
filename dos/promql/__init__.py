"""PromQL, evaluated over DOS's own time-series store with Prometheus 2.42's semantics.

:class:`Engine` answers instant and range queries; expressions are parsed by
``promql_parser`` and compiled into the engine's own tree (:mod:`dos.promql.compile`).
Functions live in one table (:mod:`dos.promql.functions`) and vector matching in one
place (:mod:`dos.promql.binops`).

The language is Prometheus 2.42's on float samples, all of it:

- selectors with ``=``, ``!=``, ``=~``, ``!~``; range selectors; ``offset`` (negative
  too) and ``@`` (a time, ``start()``, ``end()``) on selectors and subqueries;
- subqueries ``expr[range:step]``: the inner expression is evaluated at the multiples of
  the step (counted from time 0, in milliseconds) inside ``[t - offset - range,
  t - offset]``; without a step, at the engine's ``subquery_step``, which stands for
  Prometheus' global evaluation interval (promtool uses its ``evaluation_interval``);
- every function of 2.42: ``rate``, ``irate``, ``increase``, ``delta``, ``idelta``,
  ``deriv``, ``predict_linear`` (the fitted line's intercept at the evaluation time),
  ``holt_winters``, the ``*_over_time`` family (``avg``, ``min``, ``max``, ``sum``,
  ``count``, ``quantile``, ``stddev``, ``stdvar``, ``last``, ``present``), ``changes``,
  ``resets``, ``absent`` and ``absent_over_time`` (labels from equality matchers only),
  ``histogram_quantile``, ``label_replace``, ``label_join``, ``timestamp``, ``time``,
  ``vector``, ``scalar``, ``sort``, ``sort_desc``, the clamps, rounding, math,
  trigonometry and calendar functions;
- every aggregation: ``sum``, ``avg``, ``min``, ``max``, ``count``, ``group``,
  ``stddev``, ``stdvar``, ``quantile``, ``topk``, ``bottomk``, ``count_values``, with
  ``by``/``without``;
- arithmetic, comparisons (with ``bool``) and ``and``/``or``/``unless`` with
  ``on``/``ignoring`` and ``group_left``/``group_right``.

Staleness is Prometheus': an instant selector looks back ``lookback_delta`` (5 minutes)
for a sample, a stale marker ends a series at once, range windows include both ends and
drop stale markers. NaN compares false, as in Go. Time is counted in whole milliseconds.

Refused with a :class:`~dos.errors.QueryError` naming them: functions and aggregations
added to PromQL after 2.42 (``promql_parser`` knows them), ``or`` inside a selector's
braces and fill modifiers. ``histogram_count``, ``histogram_sum`` and
``histogram_fraction`` read native histograms, which the store does not hold: they
return nothing, as Prometheus does on float series.

Known differences from Prometheus:

- Prometheus folds an aggregation's series in the order they were created (random in
  promtool), this engine in label order: sums and means may differ in the last bits, and
  ``topk``/``bottomk`` may pick another of several equal values.
- ``exp``, the trigonometric and hyperbolic functions and a fractional exponent of ``^``
  go through the C library rather than Go's own code: the last bit may differ
  (``sqrt``, ``ln``, ``log2`` and ``log10`` agree exactly).
- The calendar functions of NaN, infinities or times outside years 1 to 9999 clamp to
  those years; Go's calendar wraps around.
- Regular expressions are RE2's as far as Python's ``re`` can say them
  (:mod:`dos.tsdb.re2`): case-insensitive matching folds ASCII only, and ``\\p``
  classes, ``\\C`` and the ``U`` flag are refused.
- ``promql_parser`` reads an ``@`` time before 1970 as 0.
"""

from __future__ import annotations

from dos.promql.engine import Engine
from dos.promql.values import RangeSeries, Sample, Vector

__all__ = ["Engine", "RangeSeries", "Sample", "Vector"]
