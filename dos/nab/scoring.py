"""NAB's scores: per file at a threshold, over a whole set for every threshold, normalised.

A row is a detection when its anomaly score is at or above the threshold. Each window
counts only its best (earliest) detection, or costs the profile's FN weight when it has
none; every detection outside the windows adds its (negative) weighted cost. One threshold
per detector and profile is chosen over the whole set: :func:`threshold_curve` computes
the set's raw score at every distinct anomaly score exactly (an exhaustive search, where
NAB searched locally), and :func:`normalise` maps a raw score to NAB's 0-100 scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.nab.errors import NABError
from dos.nab.sweep import OUTSIDE, FileSweep, Profile

__all__ = [
    "FileScore",
    "ThresholdCurve",
    "normalise",
    "row_scores",
    "score_file",
    "threshold_curve",
]


@dataclass(frozen=True, slots=True)
class FileScore:
    """One file's raw NAB score at ``threshold``, with NAB's row counts."""

    name: str
    threshold: float
    score: float
    tp: int
    tn: int
    fp: int
    fn: int
    total: int


@dataclass(frozen=True)
class ThresholdCurve:
    """A set's raw score at each candidate threshold, highest threshold first.

    The first candidate is above every score (nothing detected), as in NAB's sweep.
    """

    thresholds: NDArray[np.float64]
    scores: NDArray[np.float64]
    windows: int

    def best(self) -> tuple[float, float]:
        """Return the threshold with the highest raw score (the highest such) and that score."""
        index = int(np.argmax(self.scores))
        return float(self.thresholds[index]), float(self.scores[index])


def _check(sweep: FileSweep, scores: NDArray[np.float64]) -> NDArray[np.float64]:
    values = np.asarray(scores, dtype=np.float64)
    if values.shape != (sweep.rows,):
        raise NABError(f"{sweep.name}: got {values.shape[0]} scores for {sweep.rows} rows")
    return values


def score_file(
    sweep: FileSweep, scores: NDArray[np.float64], threshold: float, profile: Profile
) -> FileScore:
    """Score one file's anomaly scores at ``threshold`` under ``profile``, as NAB does."""
    values = _check(sweep, scores)
    weights = sweep.weights(profile)
    detected = values >= threshold
    outside = sweep.window == OUTSIDE
    inside = sweep.window >= 0
    total = float(np.sum(weights[detected & outside]))
    for k in sweep.scored:
        hits = np.flatnonzero(detected & (sweep.window == k))
        total += weights[hits[0]] if len(hits) else -profile.fn_weight
    tp = int(np.sum(detected & inside))
    fp = int(np.sum(detected & outside))
    return FileScore(
        sweep.name,
        threshold,
        total,
        tp=tp,
        tn=int(np.sum(outside)) - fp,
        fp=fp,
        fn=int(np.sum(inside)) - tp,
        total=sweep.rows,
    )


def row_scores(
    sweep: FileSweep, scores: NDArray[np.float64], threshold: float, profile: Profile
) -> NDArray[np.float64]:
    """Return NAB's per-row score column ``S(t)``: its sum over the rows is the file's score.

    A window's score (its best detection, or minus the FN weight) sits on the window's first
    scored row; each detection outside the windows carries its weighted cost.
    """
    values = _check(sweep, scores)
    weights = sweep.weights(profile)
    detected = values >= threshold
    out = np.where(detected & (sweep.window == OUTSIDE), weights, 0.0)
    for k in sweep.scored:
        rows = np.flatnonzero(sweep.window == k)
        hits = rows[detected[rows]]
        out[rows[0]] = weights[hits[0]] if len(hits) else -profile.fn_weight
    return out


def threshold_curve(
    sweeps: Sequence[FileSweep], scores: Sequence[NDArray[np.float64]], profile: Profile
) -> ThresholdCurve:
    """Return the set's raw score at every distinct anomaly score, computed exactly.

    Each detection outside the windows changes the total by its weight once the threshold
    reaches its score. A window's value changes only where the running maximum of its
    scores (in time order) sets a record: below that record the earlier row is detected.
    """
    levels: list[NDArray[np.float64]] = []
    deltas: list[NDArray[np.float64]] = []
    windows = 0
    for sweep, raw in zip(sweeps, scores, strict=True):
        values = _check(sweep, raw)
        weights = sweep.weights(profile)
        outside = (sweep.window == OUTSIDE) & ~np.isnan(values)
        levels.append(values[outside])
        deltas.append(weights[outside])
        for k in sweep.scored:
            rows = np.flatnonzero(sweep.window == k)
            level, delta = _window_steps(values[rows], weights[rows], profile.fn_weight)
            levels.append(level)
            deltas.append(delta)
        windows += len(sweep.scored)
    return _curve(np.concatenate(levels), np.concatenate(deltas), windows, profile)


def _window_steps(
    values: NDArray[np.float64], weights: NDArray[np.float64], fn_weight: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the thresholds where a window's best detection changes, and by how much."""
    running = np.fmax.accumulate(np.where(np.isnan(values), -np.inf, values))
    record = np.ones(len(values), dtype=bool)
    record[1:] = running[1:] > running[:-1]
    record &= np.isfinite(running)
    level = running[record]
    value = weights[record]
    # Lowering the threshold past a record's level makes that record's row the best one.
    delta = np.empty_like(value)
    if len(value):
        delta[-1] = value[-1] + fn_weight
        delta[:-1] = value[:-1] - value[1:]
    return level, delta


def _curve(
    levels: NDArray[np.float64], deltas: NDArray[np.float64], windows: int, profile: Profile
) -> ThresholdCurve:
    order = np.argsort(-levels, kind="stable")
    levels, deltas = levels[order], deltas[order]
    totals = np.cumsum(deltas) - profile.fn_weight * windows
    # Keep the last entry of each group of equal levels: all rows at that level are in.
    last = np.ones(len(levels), dtype=bool)
    last[:-1] = levels[1:] != levels[:-1]
    thresholds = np.concatenate(([np.inf], levels[last]))
    scores = np.concatenate(([-profile.fn_weight * windows], totals[last]))
    return ThresholdCurve(thresholds, scores, windows)


def normalise(raw: float, windows: int, profile: Profile) -> float:
    """Map a raw score to NAB's scale: 0 for the null detector, 100 for a perfect one."""
    null = -profile.fn_weight * windows
    perfect = profile.tp_weight * windows
    return 100.0 * (raw - null) / (perfect - null)
