"""A NAB corpus on disk: its data files, label windows, profiles and published results.

The layout is NAB's own: ``data/<category>/<file>.csv``, ``labels/combined_windows.json``,
``config/profiles.json`` and ``results/<detector>/...``. File names are NAB's relative
paths (``realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv``); times are float seconds
since the Unix epoch, read as UTC.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dos.nab.errors import NABError
from dos.nab.scoring import FileScore
from dos.nab.sweep import FileSweep, Profile

__all__ = ["NABCorpus", "load_profiles", "load_windows", "to_seconds"]


def to_seconds(texts: Sequence[str] | pd.Series, where: str) -> NDArray[np.float64]:
    """Parse ISO timestamps (UTC) into float seconds since the epoch."""
    try:
        parsed = pd.to_datetime(pd.Series(texts, dtype=object), format="ISO8601", utc=True)
    except (ValueError, TypeError) as exc:
        raise NABError(f"{where}: unreadable timestamp ({exc})") from exc
    since = parsed - pd.Timestamp(0, tz="UTC")
    return np.asarray(since.dt.total_seconds(), dtype=np.float64)


def load_profiles(path: Path) -> dict[str, Profile]:
    """Read NAB's ``profiles.json`` (each profile's cost matrix)."""
    try:
        raw = json.loads(path.read_text())
        return {
            name: Profile(
                name,
                tp_weight=float(spec["CostMatrix"]["tpWeight"]),
                fp_weight=float(spec["CostMatrix"]["fpWeight"]),
                fn_weight=float(spec["CostMatrix"]["fnWeight"]),
                tn_weight=float(spec["CostMatrix"].get("tnWeight", 1.0)),
            )
            for name, spec in raw.items()
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NABError(f"{path}: not a NAB profiles file ({exc!r})") from exc


def load_windows(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Read NAB's ``combined_windows.json``: each file's windows as (start, end) seconds."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise NABError(f"{path}: not a NAB windows file ({exc})") from exc
    windows: dict[str, list[tuple[float, float]]] = {}
    for name, pairs in raw.items():
        flat = to_seconds([text for pair in pairs for text in pair], f"{path}: {name}")
        windows[name] = [(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]
    return windows


@dataclass
class NABCorpus:
    """The files of one NAB category with their windows and the scoring profiles."""

    root: Path
    files: tuple[str, ...]
    windows: Mapping[str, list[tuple[float, float]]]
    profiles: Mapping[str, Profile]
    _sweeps: dict[str, FileSweep] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, root: Path, category: str = "realAWSCloudwatch") -> NABCorpus:
        """Read the corpus under ``root`` (NAB's layout), keeping the files of ``category``."""
        if not root.is_dir():
            raise NABError(f"{root}: no NAB corpus folder there")
        windows = load_windows(root / "labels" / "combined_windows.json")
        files = tuple(sorted(n for n in windows if n.split("/")[0] == category))
        if not files:
            raise NABError(f"{root}: no labelled files in category {category!r}")
        profiles = load_profiles(root / "config" / "profiles.json")
        return cls(root, files, {n: windows[n] for n in files}, profiles)

    @property
    def window_count(self) -> int:
        """The number of labelled windows over all files (NAB's normalisation counts them)."""
        return sum(len(w) for w in self.windows.values())

    def data_path(self, name: str) -> Path:
        """Return the path of data file ``name``."""
        return self.root / "data" / name

    def read(self, name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return data file ``name``'s timestamps (seconds) and values."""
        frame = pd.read_csv(self.data_path(name), dtype={"timestamp": str})
        times = to_seconds(frame["timestamp"], str(self.data_path(name)))
        return times, frame["value"].to_numpy(dtype=np.float64)

    def sweep(self, name: str) -> FileSweep:
        """Return file ``name``'s row weights (computed once)."""
        if name not in self._sweeps:
            times, _ = self.read(name)
            self._sweeps[name] = FileSweep.build(name, times, self.windows[name])
        return self._sweeps[name]

    def published_scores(self, detector: str, profile: str) -> list[FileScore]:
        """Return a published detector's per-file raw scores under ``profile``."""
        path = self.root / "results" / detector / f"{detector}_{profile}_scores.csv"
        try:
            with path.open(newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if r["File"] in self.windows]
            return [_file_score(row) for row in rows]
        except (OSError, KeyError, ValueError) as exc:
            raise NABError(f"{path}: not a NAB scores file ({exc!r})") from exc

    def published_detectors(self) -> list[str]:
        """Return the detectors with published per-file scores, sorted by name."""
        results = self.root / "results"
        return sorted(p.name for p in results.iterdir() if p.is_dir())

    def published_rows(self, detector: str, name: str) -> pd.DataFrame:
        """Return a published detector's per-row output for data file ``name``."""
        category, file = name.split("/")
        path = self.root / "results" / detector / category / f"{detector}_{file}"
        if not path.is_file():
            raise NABError(f"{path}: no published per-row output for {detector} on {name}")
        return pd.read_csv(path, dtype={"timestamp": str})


def _file_score(row: Mapping[str, str]) -> FileScore:
    return FileScore(
        row["File"],
        float(row["Threshold"]),
        float(row["Score"]),
        tp=int(row["TP"]),
        tn=int(row["TN"]),
        fp=int(row["FP"]),
        fn=int(row["FN"]),
        total=int(row["Total_Count"]),
    )
