"""``dos-replay``: run detectors (or an alerting rule) over recorded series, as a Hydra app.

Sources: NAB's labelled corpus (``source=nab``), CSV or Parquet files of
``timestamp,value``, or a Prometheus HTTP API range query. For every detector and series
the app writes the per-row scores and alarms (``scores/<detector>/<series>.csv``) and
the alert episodes (``alerts.csv``). With NAB's labels it also scores each detector with
NAB's procedure, prints DOS's detectors beside the published ones and writes
``nab_scores.json`` (detector -> profile -> score) and ``nab_details.json`` (thresholds,
raw scores, detection delays).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hydra
import numpy as np
from numpy.typing import NDArray
from omegaconf import DictConfig, OmegaConf

from dos.errors import ConfigError, DOSError
from dos.nab import NABCorpus, NABResult, evaluate_scores, published_table
from dos.replay import Series, alert_episodes, query_range, read_csv, read_parquet, score_series
from experiments.config import from_mapping

__all__ = ["PrometheusSource", "ReplaySettings", "default_nab_root", "main", "run_replay"]

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")
SOURCES = ("nab", "csv", "parquet", "prometheus")

logger = logging.getLogger(__name__)


@dataclass
class PrometheusSource:
    """A range query on a Prometheus server (times in seconds since the epoch)."""

    url: str = "http://127.0.0.1:9090"
    query: str = ""
    start: float = 0.0
    end: float = 0.0
    step: float = 60.0


@dataclass
class ReplaySettings:
    """What ``dos-replay`` reads, which detectors it runs, and where it writes."""

    source: str = "nab"
    paths: list[str] = field(default_factory=list)
    nab_root: str | None = None
    category: str = "realAWSCloudwatch"
    detectors: list[str] = field(default_factory=lambda: ["novelty"])
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    threshold: float | None = None
    prometheus: PrometheusSource = field(default_factory=PrometheusSource)
    published: bool = True
    output_dir: str = "results/replay"

    def validate(self) -> None:
        """Reject a bad value, naming its key."""
        if self.source not in SOURCES:
            raise ConfigError("source", self.source, f"one of {', '.join(SOURCES)}")
        if self.source in ("csv", "parquet") and not self.paths:
            raise ConfigError("paths", self.paths, f"one or more {self.source} files")
        if self.source == "prometheus" and not self.prometheus.query:
            raise ConfigError("prometheus.query", "", "a PromQL expression")
        if not self.detectors:
            raise ConfigError("detectors", self.detectors, "one or more detector keys")


def default_nab_root() -> Path:
    """Return NAB's corpus in the shared folder beside the checkout."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "nab"


def run_replay(settings: ReplaySettings, out: Path) -> dict[str, dict[str, float]]:
    """Replay every series through every detector, write the outputs under ``out``.

    Returns the NAB table (detector -> profile -> score) when labelled, else ``{}``.
    """
    settings.validate()
    corpus = None
    if settings.source == "nab":
        root = Path(settings.nab_root) if settings.nab_root else default_nab_root()
        corpus = NABCorpus.load(root, settings.category)
    series = _load(settings, corpus)
    out.mkdir(parents=True, exist_ok=True)
    results: list[NABResult] = []
    episodes: list[list[object]] = []
    for detector in settings.detectors:
        scores = {s.name: score_series(s, detector, _options(settings, detector)) for s in series}
        threshold = settings.threshold
        if corpus is not None:
            result = evaluate_scores(corpus, detector, scores)
            results.append(result)
            threshold = result.thresholds["standard"] if threshold is None else threshold
        threshold = 0.5 if threshold is None else threshold
        for s in series:
            _write_scores(out / "scores" / detector, s, scores[s.name], threshold, corpus)
            for e in alert_episodes(s.times, scores[s.name], threshold):
                episodes.append([detector, s.name, _iso(e.start), _iso(e.end), e.peak])
    _write_csv(out / "alerts.csv", ["detector", "series", "start", "end", "peak"], episodes)
    if corpus is None:
        return {}
    return _write_nab(out, corpus, results, settings.published)


def _load(settings: ReplaySettings, corpus: NABCorpus | None) -> list[Series]:
    if corpus is not None:
        loaded = []
        for name in corpus.files:
            times, values = corpus.read(name)
            loaded.append(Series(name, times, values))
        return loaded
    if settings.source == "prometheus":
        p = settings.prometheus
        return query_range(p.url, p.query, p.start, p.end, p.step)
    reader = read_csv if settings.source == "csv" else read_parquet
    return [reader(Path(path)) for path in settings.paths]


def _options(settings: ReplaySettings, detector: str) -> dict[str, object]:
    """Return a detector's settings, numbers parsed (config values may arrive as text)."""
    parsed: dict[str, object] = {}
    for key, value in settings.settings.get(detector, {}).items():
        try:
            parsed[key] = float(value)
        except ValueError:
            parsed[key] = value
    return parsed


def _write_scores(
    folder: Path,
    series: Series,
    scores: NDArray[np.float64],
    threshold: float,
    corpus: NABCorpus | None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    labels = None
    if corpus is not None and series.name in corpus.windows:
        labels = (corpus.sweep(series.name).window >= 0).astype(int)
    rows = []
    for i, (t, v, s) in enumerate(zip(series.times, series.values, scores, strict=True)):
        row: list[object] = [_iso(t), v, s, int(s >= threshold)]
        rows.append([*row, int(labels[i])] if labels is not None else row)
    header = ["timestamp", "value", "score", "alarm"] + (["label"] if labels is not None else [])
    _write_csv(folder / f"{_slug(series.name)}.csv", header, rows)


def _write_nab(
    out: Path, corpus: NABCorpus, results: list[NABResult], published: bool
) -> dict[str, dict[str, float]]:
    table = {f"dos:{r.detector}": r.scores for r in results}
    if published:
        table.update(published_table(corpus))
    (out / "nab_scores.json").write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
    details = {r.detector: r.to_dict() for r in results}
    (out / "nab_details.json").write_text(json.dumps(details, indent=2, sort_keys=True) + "\n")
    return table


def format_table(table: dict[str, dict[str, float]]) -> str:
    """Write the NAB table, best standard score first."""
    profiles = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
    lines = [f"{'detector':28s} " + " ".join(f"{p:>18s}" for p in profiles)]
    ranked = sorted(table.items(), key=lambda item: -item[1].get("standard", float("-inf")))
    for name, row in ranked:
        lines.append(
            f"{name:28s} " + " ".join(f"{row.get(p, float('nan')):18.2f}" for p in profiles)
        )
    return "\n".join(lines)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(float(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(name: str) -> str:
    """Turn a series name (a path, a PromQL selector) into a file name without extension."""
    stem = re.sub(r"\.(csv|parquet)$", "", name)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_") or "series"


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@hydra.main(config_path=CONFIG_DIR, config_name="replay", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """Replay recorded series through DOS's detectors and print NAB's scores."""
    raw: Any = OmegaConf.to_container(cfg, resolve=True)
    try:
        settings = from_mapping(ReplaySettings, raw, "replay", "conf/replay.yaml")
        settings.validate()
        out = Path(settings.output_dir) / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        table = run_replay(settings, out)
    except DOSError as error:
        print(f"dos-replay: {error}", file=sys.stderr)
        sys.exit(2)
    if table:
        print(format_table(table))
    print(f"\noutputs: {out}")


if __name__ == "__main__":
    main()
