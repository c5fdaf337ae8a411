"""MLflow tracking against a real SQLite store, and the failures it must survive."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mlflow import MlflowClient

from experiments import tracking

CONFIG = {
    "seed": 7,
    "scenario": {"name": "cpu_stress", "faults": [{"kind": "cpu_stress", "at": "10m"}]},
    "dos": {
        "rules": {"cpu_high": {"threshold": 85.0, "for": "5m"}},
        "policy": {"guardrails": {"allowed_actions": {"*": ["scale", "restart"]}}},
    },
    "notify": {"pagerduty": {"routing_key": "R0UT1NG", "api_token": "T0KEN"}},
    "tracking": {"uri": "https://alice:hunter2@mlflow.example.org"},
    "notes": "x" * 7000,
}


def write_run_folder(root: Path) -> Path:
    run_dir = root / "runs" / "20240301-cpu_stress-auto-s7"
    (run_dir / "postmortems").mkdir(parents=True)
    (run_dir / "scores.json").write_text('{"mttd_s": 330.0}\n')
    (run_dir / "postmortems" / "INC-1.md").write_text("# INC-1\n")
    return run_dir


def test_flatten_params_gives_dotted_text_keys_without_secrets() -> None:
    flat = tracking.flatten_params(CONFIG)

    assert flat["seed"] == "7"
    assert flat["dos.rules.cpu_high.threshold"] == "85.0"
    assert flat["scenario.faults"] == '[{"kind": "cpu_stress", "at": "10m"}]'
    assert flat["dos.policy.guardrails.allowed_actions._"] == '["scale", "restart"]'
    assert flat["tracking.uri"] == "https://alice:***@mlflow.example.org"
    assert len(flat["notes"]) == 6000
    assert not [key for key in flat if key.startswith("notify.")]


@pytest.mark.slow
def test_run_is_logged_to_a_relative_sqlite_store_and_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run_dir = write_run_folder(tmp_path)
    uri = "sqlite:///results/mlflow.db"

    parent = tracking.start_parent_run(
        tracking_uri=uri, experiment="dos-twin", run_name="sweep", tags={"sweep": "cpu"}
    )
    run_id = tracking.log_run(
        run_dir,
        params=CONFIG,
        metrics={"mttd_s": 330.0, "recall": 1.0, "faults": 1, "mttr_s": None},
        tags={"scenario": "cpu_stress", "policy": "auto", "git_commit": "abc123"},
        tracking_uri=uri,
        experiment="dos-twin",
        run_name=run_dir.name,
        parent_run_id=parent,
    )
    assert parent is not None
    tracking.finish_run(parent, tracking_uri=uri)

    assert run_id is not None
    assert (tmp_path / "results" / "mlflow.db").is_file()
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'results' / 'mlflow.db'}")
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == run_dir.name
    assert run.data.params["dos.rules.cpu_high.for"] == "5m"
    assert run.data.params["seed"] == "7"
    assert "notify.pagerduty.routing_key" not in run.data.params
    assert run.data.metrics == {"mttd_s": 330.0, "recall": 1.0, "faults": 1.0}
    assert run.data.tags["scenario"] == "cpu_stress"
    assert run.data.tags["mlflow.source.git.commit"] == "abc123"
    assert run.data.tags["mlflow.parentRunId"] == parent
    assert client.get_run(parent).info.status == "FINISHED"
    top = sorted(a.path for a in client.list_artifacts(run_id))
    assert top == ["postmortems", "scores.json"]
    assert [a.path for a in client.list_artifacts(run_id, "postmortems")] == [
        "postmortems/INC-1.md"
    ]
    assert (tmp_path / "results" / "mlartifacts" / "dos-twin").is_dir()


def test_unusable_store_is_logged_as_a_warning_and_returns_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_dir = write_run_folder(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be\n")

    with caplog.at_level(logging.WARNING, logger="experiments.tracking"):
        run_id = tracking.log_run(
            run_dir,
            params=CONFIG,
            metrics={"mttd_s": 330.0},
            tags={"scenario": "cpu_stress"},
            tracking_uri=f"sqlite:///{blocker}/mlflow.db",
            experiment="dos-twin",
            run_name="r1",
        )

    assert run_id is None
    (record,) = caplog.records
    assert "could not start a run" in record.getMessage()
    assert str(blocker) in record.getMessage()


def test_unknown_tracking_scheme_fails_softly_and_hides_the_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="experiments.tracking"):
        run_id = tracking.log_run(
            write_run_folder(tmp_path),
            params={},
            metrics={},
            tags={},
            tracking_uri="bogus://bob:s3cr3t@tracker.invalid/db",
            experiment="dos-twin",
            run_name="r1",
        )

    assert run_id is None
    message = caplog.records[0].getMessage()
    assert "bob:***@tracker.invalid" in message
    assert "s3cr3t" not in message
