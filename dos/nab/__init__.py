"""NAB's scoring procedure, exactly as NAB computes it, and its corpus on disk."""

from __future__ import annotations

from dos.nab.corpus import NABCorpus, load_profiles, load_windows, to_seconds
from dos.nab.delay import DelaySummary, detection_delays, summarise_delays
from dos.nab.errors import NABError
from dos.nab.evaluate import NABResult, evaluate_scores, published_table
from dos.nab.scoring import (
    FileScore,
    ThresholdCurve,
    normalise,
    row_scores,
    score_file,
    threshold_curve,
)
from dos.nab.sweep import FileSweep, Profile, probation_length, scaled_sigmoid

__all__ = [
    "DelaySummary",
    "FileScore",
    "FileSweep",
    "NABCorpus",
    "NABError",
    "NABResult",
    "Profile",
    "ThresholdCurve",
    "detection_delays",
    "evaluate_scores",
    "load_profiles",
    "load_windows",
    "normalise",
    "probation_length",
    "published_table",
    "row_scores",
    "scaled_sigmoid",
    "score_file",
    "summarise_delays",
    "threshold_curve",
    "to_seconds",
]
