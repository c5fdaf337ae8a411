"""An in-memory time-series store: float samples per series, selectable by label matchers.

Series scraped together share their timestamps and their storage (:mod:`dos.tsdb.series`),
so a query reads a window of many series as one numpy slice and no sample is ever a
Python object. Stale markers (:data:`dos.telemetry.STALE_NAN`) are stored as ordinary
samples; the PromQL engine gives them their meaning. Label regular expressions are Go's
(:mod:`dos.tsdb.re2`).
"""

from __future__ import annotations

from dos.tsdb.errors import OutOfOrderSampleError, StoreError, format_labels
from dos.tsdb.matchers import Matcher, MatchOp, compile_regex
from dos.tsdb.series import Block, Series, stale_mask
from dos.tsdb.store import Group, Selection, SeriesStore

__all__ = [
    "Block",
    "Group",
    "MatchOp",
    "Matcher",
    "OutOfOrderSampleError",
    "Selection",
    "Series",
    "SeriesStore",
    "StoreError",
    "compile_regex",
    "format_labels",
    "stale_mask",
]
