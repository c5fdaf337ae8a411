"""The run's timeline figure: a service's CPU against its limit, faults, alerts and actions.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` with the Agg canvas, so no
display, no pyplot state and no backend choice are involved.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from numpy.typing import NDArray

from experiments.scoring import alert_episodes

__all__ = ["cpu_percent", "plot_timeline"]

logger = logging.getLogger(__name__)

_USAGE = "container_cpu_usage_seconds_total"
_LIMIT = "kube_pod_container_resource_limits"
# cAdvisor's pause container, whose usage is not the workload's.
_PAUSE = "POD"
_FAULT_COLOURS = ("tab:red", "tab:purple", "tab:brown", "tab:olive", "tab:cyan")


def cpu_percent(metrics: pd.DataFrame, service: str) -> pd.DataFrame:
    """Return the CPU usage of ``service`` per pod as a percentage of the pod's CPU limit.

    The usage counter becomes a rate between consecutive scrapes of each container (a drop
    is a counter reset: the new value counts as the increase), rates and limits are summed
    per pod, and each rate is divided by the pod's latest limit at that time. Columns: t,
    pod, cpu_percent; stale samples are skipped.
    """
    usage = _container_rows(metrics, service, _USAGE)
    limits = _container_rows(metrics, service, _LIMIT, resource="cpu")
    if usage.empty or limits.empty:
        return pd.DataFrame({"t": [], "pod": [], "cpu_percent": []})
    rates = _rates(usage).groupby(["pod", "t"])["rate"].sum().reset_index()
    caps = limits.groupby(["pod", "t"])["value"].sum().reset_index()
    joined = pd.merge_asof(
        rates.sort_values("t"), caps.sort_values("t"), on="t", by="pod", direction="backward"
    )
    joined = joined[joined["value"] > 0]
    percent = 100.0 * joined["rate"] / joined["value"]
    out = pd.DataFrame({"t": joined["t"], "pod": joined["pod"], "cpu_percent": percent})
    return out.sort_values(["pod", "t"]).reset_index(drop=True)


def plot_timeline(
    path: Path,
    *,
    metrics: pd.DataFrame,
    service: str,
    ground_truth: pd.DataFrame,
    alerts: pd.DataFrame,
    actions: pd.DataFrame,
    time_origin: datetime | None,
    threshold: float | None = 85.0,
) -> Path:
    """Draw ``service``'s timeline to a PNG at ``path`` and return the path.

    Top: CPU % of limit per pod, the alert ``threshold``, fault windows shaded and actions
    as labelled vertical lines. Bottom: one band per alert while it was firing.
    """
    run_end = _run_end(metrics, ground_truth, alerts, actions)
    axis = _TimeAxis(time_origin, run_end)
    figure = Figure(figsize=(12.0, 7.0), layout="constrained")
    FigureCanvasAgg(figure)
    cpu_ax, band_ax = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])

    _draw_cpu(cpu_ax, cpu_percent(metrics, service), axis, threshold)
    _shade_faults((cpu_ax, band_ax), ground_truth, axis, run_end)
    _draw_alerts(band_ax, alert_episodes(alerts, run_end), axis)
    _mark_actions(cpu_ax, actions, axis)

    cpu_ax.set_title(f"{service}: CPU usage per pod, faults, alerts and actions")
    cpu_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    band_ax.set_xlim(axis.x(0.0), axis.x(run_end))
    axis.format(band_ax)
    path = Path(path)
    figure.savefig(path, dpi=100)
    logger.debug("wrote the timeline of %s to %s", service, path)
    return path


class _TimeAxis:
    """Places simulated seconds on the x axis as minutes, labelled as wall time if known."""

    def __init__(self, origin: datetime | None, run_end: float) -> None:
        self.origin = origin
        # Minute ticks repeat on a short run; show seconds there.
        self.clock = "%H:%M" if run_end >= 1800.0 else "%H:%M:%S"

    def x(self, t: Any) -> NDArray[np.float64]:
        """Return x positions of ``t`` (seconds from the scenario start)."""
        return np.asarray(t, dtype=np.float64) / 60.0

    def format(self, ax: Axes) -> None:
        """Label the shared x axis: wall-clock ticks when the origin is known."""
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, steps=[1, 2, 3, 5, 6, 10]))
        if self.origin is None:
            ax.set_xlabel("minutes from the scenario start")
            return
        origin, clock = self.origin, self.clock
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda minutes, _: (origin + timedelta(minutes=minutes)).strftime(clock))
        )
        zone = origin.tzname() or "UTC"
        ax.set_xlabel(f"time ({zone}); the scenario starts at {origin:%Y-%m-%d %H:%M:%S}")


def _container_rows(
    metrics: pd.DataFrame, service: str, metric: str, **wanted: str
) -> pd.DataFrame:
    """Return the non-stale rows of ``metric`` for ``service``'s containers.

    A series without a ``container`` label is a pod-level sum in cAdvisor's output, so it
    is used only for pods that have no per-container series.
    """
    rows = metrics[(metrics["metric"] == metric) & (metrics["service"] == service)]
    rows = rows[~np.isnan(rows["value"].to_numpy(dtype=np.float64))]
    parsed = {text: json.loads(text) for text in rows["labels"].unique()}
    matches = [all(parsed[t].get(k) == v for k, v in wanted.items()) for t in rows["labels"]]
    rows = rows.loc[np.array(matches, dtype=bool)]
    container = pd.Series([parsed[t].get("container") for t in rows["labels"]], index=rows.index)
    per_container = set(rows.loc[container.notna(), "pod"])
    keep = (container.notna() & (container != _PAUSE)) | (
        container.isna() & ~rows["pod"].isin(per_container)
    )
    selected: pd.DataFrame = rows.loc[keep.to_numpy(dtype=bool)]
    return selected


def _rates(usage: pd.DataFrame) -> pd.DataFrame:
    """Per-second rate of each counter series between consecutive samples."""
    ordered = usage.sort_values(["pod", "labels", "t"])
    same = (ordered["pod"] == ordered["pod"].shift()) & (
        ordered["labels"] == ordered["labels"].shift()
    )
    value = ordered["value"].to_numpy(dtype=np.float64)
    previous = ordered["value"].shift().to_numpy(dtype=np.float64)
    increase = np.where(value >= previous, value - previous, value)
    elapsed = ordered["t"].diff().to_numpy(dtype=np.float64)
    rate = pd.DataFrame({"pod": ordered["pod"], "t": ordered["t"], "rate": increase / elapsed})
    return rate[same.to_numpy() & (elapsed > 0)]


def _draw_cpu(ax: Axes, cpu: pd.DataFrame, axis: _TimeAxis, threshold: float | None) -> None:
    """Plot one CPU line per pod and the alert threshold."""
    for pod, rows in cpu.groupby("pod"):
        ax.plot(axis.x(rows["t"]), rows["cpu_percent"], linewidth=1.2, label=str(pod))
    if cpu.empty:
        ax.text(0.5, 0.5, "no CPU samples", transform=ax.transAxes, ha="center")
    if threshold is not None:
        ax.axhline(threshold, color="black", linestyle="--", linewidth=0.8)
        ax.annotate(
            f"threshold {threshold:g} %",
            (1.0, threshold),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize="small",
        )
    highest = max(float(cpu["cpu_percent"].max()) if not cpu.empty else 0.0, threshold or 0.0)
    ax.set_ylabel("CPU usage, % of limit")
    ax.set_ylim(0.0, max(100.0, highest) * 1.08)


def _shade_faults(
    axes: Sequence[Axes], faults: pd.DataFrame, axis: _TimeAxis, run_end: float
) -> None:
    """Shade each fault's window on every axis, labelled once."""
    for i, fault in enumerate(_rows(faults)):
        end = run_end if pd.isna(fault.end) else float(fault.end)
        start, stop = axis.x([float(fault.start), end])
        colour = _FAULT_COLOURS[i % len(_FAULT_COLOURS)]
        label = f"fault {fault.fault_id}: {fault.kind} on {fault.service}"
        for ax in axes:
            ax.axvspan(
                start, stop, color=colour, alpha=0.12, label=label if ax is axes[0] else None
            )


def _draw_alerts(ax: Axes, episodes: pd.DataFrame, axis: _TimeAxis) -> None:
    """Draw one row per alert with a bar for each firing episode."""
    names = list(dict.fromkeys(_alert_label(e) for e in _rows(episodes)))
    for episode in _rows(episodes):
        row = names.index(_alert_label(episode))
        start = axis.x([episode.firing_at])[0]
        seconds = max(float(episode.resolved_at - episode.firing_at), 1.0)
        width = float(axis.x(seconds))
        ax.broken_barh([(start, width)], (row - 0.35, 0.7), color="goldenrod")
    ax.set_yticks(range(len(names)), names, fontsize="small")
    ax.set_ylim(-0.6, max(len(names), 1) - 0.4)
    ax.set_ylabel("alerts firing")


def _alert_label(episode: Any) -> str:
    """Name an alert's row: its name and service."""
    service = episode.service if isinstance(episode.service, str) else ""
    return f"{episode.alertname} {service}".strip()


def _mark_actions(ax: Axes, actions: pd.DataFrame, axis: _TimeAxis) -> None:
    """Draw each action as a vertical line with a short label."""
    for i, action in enumerate(_rows(actions)):
        x = axis.x([action.t])[0]
        ax.axvline(x, color="tab:green", linestyle=":", linewidth=1.2)
        # Actions come seconds apart: stagger their labels so neighbours stay readable.
        ax.annotate(
            _action_label(action),
            (x, 0.98 - 0.3 * (i % 3)),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize="x-small",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "lw": 0},
        )


def _action_label(action: Any) -> str:
    """Describe an action: kind, target, replica count, actor and status."""
    target = action.service if isinstance(action.service, str) else "?"
    replicas = getattr(action, "replicas", None)
    to = f" to {replicas}" if replicas is not None and not pd.isna(replicas) else ""
    return f"{action.kind} {target}{to} ({action.actor}, {action.status})"


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """Iterate a table's rows as named tuples."""
    return frame.itertuples(index=False)


def _run_end(
    metrics: pd.DataFrame, faults: pd.DataFrame, alerts: pd.DataFrame, actions: pd.DataFrame
) -> float:
    """The last instant any table mentions (alerts still firing are drawn up to it)."""
    candidates = [
        metrics["t"].max(),
        faults["start"].max(),
        faults["end"].max(),
        alerts["t"].max(),
        actions["t"].max(),
    ]
    known = [float(c) for c in candidates if not pd.isna(c)]
    return max(known, default=0.0)
