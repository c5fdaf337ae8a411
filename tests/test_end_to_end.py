"""The brief's CPU-stress walkthrough, run end to end with the default config."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from experiments.compose import load_config
from experiments.runner import RunOutcome, execute

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    results = tmp_path_factory.mktemp("results")
    config = load_config([f"results_dir={results}"])
    return execute(config, echo=False)


def test_the_default_run_detects_the_stress_with_the_cpu_rule(outcome: RunOutcome) -> None:
    scores = outcome.scores
    assert (scores["faults"], scores["detected"], scores["missed"]) == (1, 1, 0)
    assert scores["recall"] == 1.0
    assert scores["false_alerts_per_day"] == 0.0
    # "for 5m" after a 1m rate window crosses 85 %: detection lands between 5 and 7 minutes.
    assert 300.0 <= scores["mttd_s"] <= 420.0
    alerts = pd.read_parquet(outcome.run_dir / "alerts.parquet")
    cpu = alerts[alerts["alertname"] == "CPUHigh"]
    assert list(cpu["current"]) == ["pending", "firing", "inactive"]
    fault = pd.read_parquet(outcome.run_dir / "ground_truth.parquet").iloc[0]
    assert set(cpu["pod"]) == {fault["pod"]}


def test_rca_names_frontend_its_pod_and_cpu_saturation(outcome: RunOutcome) -> None:
    incidents = json.loads((outcome.run_dir / "incidents.json").read_text())
    fault = pd.read_parquet(outcome.run_dir / "ground_truth.parquet").iloc[0]
    assert len(incidents) == 1
    top = incidents[0]["rca"][0]
    expected = ("frontend", fault["pod"], "cpu_saturation")
    assert (top["service"], top["pod"], top["cause"]) == expected
    assert "CPU saturation, no recent deployment, no traffic spike" in top["evidence"]
    assert incidents[0]["impact"] == "high"
    assert outcome.scores["rca_top1"] == 1.0


def test_remediation_scales_drains_and_replaces_the_pod_which_ends_the_stress(
    outcome: RunOutcome,
) -> None:
    actions = pd.read_parquet(outcome.run_dir / "actions.parquet")
    assert list(actions["kind"]) == ["scale", "drain", "delete_pod"]
    assert actions.loc[0, "replicas"] == 4
    fault = pd.read_parquet(outcome.run_dir / "ground_truth.parquet").iloc[0]
    assert fault["ended_by"] == "remediation"
    assert fault["end"] < fault["start"] + 1200.0
    assert outcome.scores["auto_remediated"] == 1.0
    events = pd.read_parquet(outcome.run_dir / "events.parquet")
    ready = events[(events["kind"] == "pod_ready") & (events["t"] > fault["start"])]
    assert len(ready) == 2, "the scaled-up pod and the deleted pod's replacement"


def test_the_incident_moves_through_its_states_and_resolves_with_a_postmortem(
    outcome: RunOutcome,
) -> None:
    incident = json.loads((outcome.run_dir / "incidents.json").read_text())[0]
    states = [step["state"] for step in incident["history"]]
    order = ["detected", "identified", "prioritized", "actioned", "confirmed", "verified"]
    assert [s for s in states if s in order] == order
    assert states[-1] == "resolved"
    assert outcome.scores["unrecovered"] == 0
    assert outcome.scores["mttr_s"] > outcome.scores["mttd_s"]
    postmortem = outcome.run_dir / "postmortems" / f"{incident['id']}.md"
    text = postmortem.read_text()
    assert "cpu_saturation" in text
    assert "Review recent deployments" in text


def test_the_run_writes_every_output_and_logs_to_mlflow(outcome: RunOutcome) -> None:
    names = {p.name for p in outcome.run_dir.iterdir()}
    tables = ["metrics", "logs", "spans", "events", "ground_truth", "alerts", "actions"]
    assert {f"{t}.parquet" for t in tables} <= names
    assert {"scores.json", "incidents.json", "timeline.png", "postmortems"} <= names
    assert (outcome.run_dir / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    scores = json.loads((outcome.run_dir / "scores.json").read_text())
    required = {
        "faults", "detected", "missed", "recall", "precision", "false_alerts_per_day",
        "mttd_s", "mttr_s", "unrecovered", "rca_top1", "auto_remediated", "sim_seconds",
        "wall_seconds",
    }  # fmt: skip
    assert required <= set(scores)
    assert outcome.mlflow_run_id is not None
    db = Path(outcome.run_dir).parent.parent / "mlflow.db"
    run = MlflowClient(tracking_uri=f"sqlite:///{db}").get_run(outcome.mlflow_run_id)
    assert run.data.metrics["mttd_s"] == scores["mttd_s"]
    assert run.data.params["dos.rules.cpu_high.threshold"] == "85"
    assert run.data.tags["scenario"] == "cpu_stress"
