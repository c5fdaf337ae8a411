"""PromQL, evaluated over DOS's own time-series store with Prometheus 2.42's semantics.

:class:`Engine` answers instant and range queries; expressions are parsed by
``promql_parser`` and compiled into the engine's own tree (:mod:`dos.promql.compile`).
Functions live in one table (:mod:`dos.promql.functions`) and vector matching in one
place (:mod:`dos.promql.binops`).

Supported: selectors with ``=``, ``!=``, ``=~``, ``!~`` and ``offset``; range selectors;
``rate``, ``irate``, ``increase``, ``delta``, ``histogram_quantile``, ``abs``, ``ceil``,
``floor``, ``clamp_min``, ``clamp_max``, ``time``, ``vector``, ``scalar`` and the
``avg``/``min``/``max``/``sum``/``count``/``last`` ``_over_time`` family; ``sum``, ``avg``,
``min``, ``max``, ``count`` with ``by``/``without``; every arithmetic, comparison and set
operator with ``bool``, ``on``/``ignoring`` and ``group_left``/``group_right``. Anything
else (``@``, subqueries, other functions and aggregations) is refused with a
:class:`~dos.errors.QueryError` naming it.

Known differences from Prometheus, all in the last bits of a float: Prometheus folds an
aggregation's series in the order they were created, this engine in label order (as a
sorted select returns them); a fractional exponent of ``^`` goes through the C library's
``exp``/``log`` rather than Go's. Regular expressions are RE2's as far as Python's ``re``
can say them (ASCII classes, POSIX classes); ``\\p`` classes are refused.
"""

from __future__ import annotations

from dos.promql.engine import Engine
from dos.promql.values import RangeSeries, Sample, Vector

__all__ = ["Engine", "RangeSeries", "Sample", "Vector"]
