"""Score a detector on a NAB corpus as NAB does, beside the published detectors.

A detector's anomaly scores for every file go through :func:`threshold_curve` per
profile, which picks the one threshold for the whole set; the raw total is normalised.
Published detectors are scored as NAB publishes them: their per-file raw scores (at the
thresholds NAB tuned) summed over the corpus' files and normalised the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dos.nab.corpus import NABCorpus
from dos.nab.delay import DelaySummary, detection_delays, summarise_delays
from dos.nab.errors import NABError
from dos.nab.scoring import normalise, threshold_curve

__all__ = ["NABResult", "evaluate_scores", "published_table"]

STANDARD = "standard"


@dataclass(frozen=True)
class NABResult:
    """A detector's NAB scores per profile, the thresholds chosen and its delays."""

    detector: str
    scores: dict[str, float]
    thresholds: dict[str, float]
    raw: dict[str, float]
    delays: DelaySummary

    def to_dict(self) -> dict[str, object]:
        """Return the result as plain data."""
        return {
            "scores": self.scores,
            "thresholds": self.thresholds,
            "raw": self.raw,
            "delays": self.delays.to_dict(),
        }


def evaluate_scores(
    corpus: NABCorpus, detector: str, scores: Mapping[str, NDArray[np.float64]]
) -> NABResult:
    """Score ``scores`` (one array per corpus file) under every profile of the corpus."""
    missing = [name for name in corpus.files if name not in scores]
    if missing:
        raise NABError(f"{detector}: no scores for {', '.join(missing)}")
    sweeps = [corpus.sweep(name) for name in corpus.files]
    arrays = [np.asarray(scores[name], dtype=np.float64) for name in corpus.files]
    normalised, thresholds, raw = {}, {}, {}
    for name, profile in corpus.profiles.items():
        threshold, total = threshold_curve(sweeps, arrays, profile).best()
        normalised[name] = normalise(total, corpus.window_count, profile)
        thresholds[name], raw[name] = threshold, total
    chosen = thresholds.get(STANDARD, next(iter(thresholds.values())))
    delays = [
        d for s, a in zip(sweeps, arrays, strict=True) for d in detection_delays(s, a, chosen)
    ]
    return NABResult(detector, normalised, thresholds, raw, summarise_delays(delays))


def published_table(corpus: NABCorpus) -> dict[str, dict[str, float]]:
    """Return each published detector's normalised score per profile on the corpus' files."""
    table: dict[str, dict[str, float]] = {}
    for detector in corpus.published_detectors():
        row = {}
        for name, profile in corpus.profiles.items():
            files = corpus.published_scores(detector, name)
            if len(files) != len(corpus.files):
                break
            row[name] = normalise(sum(f.score for f in files), corpus.window_count, profile)
        else:
            table[detector] = row
    return table
