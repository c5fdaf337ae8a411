"""Execute one run: the loop, then every output on disk, then MLflow.

Outputs are written before tracking so that a failing tracker never loses a run.
"""

from __future__ import annotations

import json
import logging
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from experiments import plots, scoring, tables, tracking
from experiments.config import RunConfig
from experiments.console import format_scores, format_timeline, timeline_entries
from experiments.loop import LoopResult, run_loop
from experiments.scoring.impact import entry_impact

__all__ = ["RunOutcome", "execute", "new_run_dir"]

logger = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    """A finished run: where its outputs are and what it scored."""

    run_dir: Path
    scores: dict[str, Any]
    loop: LoopResult
    mlflow_run_id: str | None


def execute(config: RunConfig, *, echo: bool = True) -> RunOutcome:
    """Run the closed loop for ``config`` and write ``results/runs/<run id>/``."""
    run_dir = new_run_dir(Path(config.results_dir) / "runs", config)
    logger.info("run %s: writing to %s", run_dir.name, run_dir)
    result = run_loop(config)
    frames = _tables(config, result)
    tables.write_tables(run_dir, frames)
    incidents = [incident.to_dict() for incident in result.dos.incidents]
    scores = _score(config, result, frames, incidents)
    _write_documents(run_dir, config, result, incidents, scores)
    if config.plot:
        _plot(run_dir, config, frames)
    if echo and config.print_timeline:
        _echo(config, result, incidents, scores, run_dir)
    run_id = _track(run_dir, config, scores)
    if echo and run_id is not None:
        print(f"mlflow: run {run_id} in {config.tracking.uri}")
    return RunOutcome(run_dir, scores, result, run_id)


def new_run_dir(parent: Path, config: RunConfig) -> Path:
    """Create a fresh, never reused, run folder under ``parent``."""
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = (
        config.run_id or f"{stamp}-{config.scenario.name}-{config.dos.policy.name}-s{config.seed}"
    )
    for attempt in range(1, 1000):
        candidate = parent / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"{parent}: no free run folder name for {base!r}")


def _tables(config: RunConfig, result: LoopResult) -> dict[str, Any]:
    origin = config.start_time
    telemetry = result.telemetry
    return {
        "metrics": tables.metrics_table(telemetry.metrics, origin),
        "logs": tables.logs_table(telemetry.logs, origin),
        "spans": tables.spans_table(telemetry.spans, origin),
        "events": tables.events_table(telemetry.events, origin),
        "alerts": tables.alerts_table(result.dos.transitions, origin),
        "actions": tables.actions_table(result.dos.audit, origin),
        "ground_truth": tables.ground_truth_table(result.twin.ground_truth(), origin),
        "health": tables.health_table(result.twin.health_log(), origin),
    }


def _score(
    config: RunConfig, result: LoopResult, frames: dict[str, Any], incidents: list[dict[str, Any]]
) -> dict[str, Any]:
    impact = entry_impact(frames["metrics"], config.topology.entry, config.slo_availability)
    scores, _per_fault = scoring.score_run(
        frames["ground_truth"],
        frames["health"],
        frames["alerts"],
        incidents,
        frames["actions"],
        sim_seconds=result.sim_seconds,
        wall_seconds=result.wall_seconds,
        stable_for=config.stable_for,
        grace=config.grace,
        failed_requests=impact.failed_requests,
        error_budget_consumed=impact.error_budget_consumed,
    )
    return scores.to_dict()


def _write_documents(
    run_dir: Path,
    config: RunConfig,
    result: LoopResult,
    incidents: list[dict[str, Any]],
    scores: dict[str, Any],
) -> None:
    (run_dir / "config.yaml").write_text(yaml.safe_dump(dict(config.raw), sort_keys=False))
    (run_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    (run_dir / "incidents.json").write_text(json.dumps(incidents, indent=2) + "\n")
    postmortems = run_dir / "postmortems"
    postmortems.mkdir()
    for incident_id, text in result.dos.postmortems().items():
        (postmortems / f"{incident_id}.md").write_text(text)


def _plot(run_dir: Path, config: RunConfig, frames: dict[str, Any]) -> None:
    faults = frames["ground_truth"]
    service = str(faults["service"].iloc[0]) if len(faults) else config.topology.entry
    plots.plot_timeline(
        run_dir / "timeline.png",
        metrics=frames["metrics"],
        service=service,
        ground_truth=faults,
        alerts=frames["alerts"],
        actions=frames["actions"],
        time_origin=config.start_time,
    )


def _echo(
    config: RunConfig,
    result: LoopResult,
    incidents: list[dict[str, Any]],
    scores: dict[str, Any],
    run_dir: Path,
) -> None:
    entries = timeline_entries(
        result.twin.ground_truth(), result.dos.transitions, incidents, result.dos.audit
    )
    print(f"== timeline ({config.scenario.name}, policy {config.dos.policy.name}) ==")
    print(format_timeline(entries, config.start_time))
    print("\n== scores ==")
    print(format_scores(scores))
    print(f"\noutputs: {run_dir}")


def _track(run_dir: Path, config: RunConfig, scores: dict[str, Any]) -> str | None:
    if not config.tracking.enabled:
        return None
    return tracking.log_run(
        run_dir,
        params=config.raw,
        metrics=scores,
        tags={
            "scenario": config.scenario.name,
            "policy": config.dos.policy.name,
            "topology": config.topology.name,
            "git_commit": _git_commit(),
        },
        tracking_uri=config.tracking.uri,
        experiment=config.tracking.experiment,
        run_name=run_dir.name,
    )


def _git_commit() -> str:
    """The checkout's commit, or "unknown" outside a git work tree."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip()
