"""Config validation: bad values fail before anything runs, naming key, value and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.errors import ConfigError, DOSError
from experiments.compose import load_config
from sim.errors import ScenarioError, SimError


def test_the_defaults_compose_into_the_brief_walkthrough() -> None:
    config = load_config()
    assert (config.topology.name, config.scenario.name, config.dos.policy.name) == (
        "boutique",
        "cpu_stress",
        "auto",
    )
    assert config.duration == 3600.0
    assert config.dos.rules["cpu_high"].threshold == 85.0
    assert config.dos.rules["cpu_high"].for_ == "5m"
    assert config.dos.namespace == config.topology.namespace == "boutique"


def test_overrides_reach_the_validated_config() -> None:
    config = load_config(["duration=90m", "dos.rules.cpu_high.for=2m", "policy=none"])
    assert config.duration == 5400.0
    assert config.dos.rules["cpu_high"].for_ == "2m"
    assert config.dos.policy.name == "none"


def test_an_unknown_key_names_the_key_the_file_and_the_allowed_keys() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(["+dos.rules.cpu_high.treshold=80"])
    message = str(caught.value)
    assert "dos (conf/dos/default.yaml).rules.cpu_high.treshold" in message
    assert "enabled, for, severity, threshold" in message


def test_an_unknown_top_level_key_is_rejected() -> None:
    with pytest.raises(ConfigError, match="durration"):
        load_config(["+durration=2h"])


@pytest.mark.parametrize(
    ("override", "key", "expected"),
    [
        ("duration=-1h", "duration", "a positive duration"),
        ("duration=0s", "duration", "a positive duration"),
        ("duration=soon", "duration", "a positive duration such as"),
        ("duration=nan", "duration", "a positive duration"),
        ("seed=1.5", "seed", "an integer"),
        ("seed=-1", "seed", "an integer of 0 or more"),
        ("plot=maybe", "plot", "a value of type bool"),
        ("run_id=../escape", "run_id", "a folder name"),
        ("tracking.uri=", "tracking.uri", "an MLflow tracking URI"),
        ("scenario.faults.0.at=2h", "scenario.faults[0].at", "a start before the run ends"),
        ("+dos.rules.cpu_hgih.threshold=1", "dos.rules.cpu_hgih", "one of the rules"),
        ("dos.rules.cpu_high.threshold=nan", "dos.rules.cpu_high.threshold", "a finite number"),
        ("dos.verify.max_error_logs=-1", "dos.verify.max_error_logs", "0 or more"),
        ("policy.guardrails.max_failed_in_row=0", "max_failed_in_row", "1 or more"),
        ("+policy.guardrails.allowed_actions.frontend=[scael]", "allowed_actions", "one of"),
        ("start_time=9999-12-31T23:59:59+00:00", "start_time", "duration can be added"),
        ("dos.rules.cpu_high.for=5 minutes", "dos.rules.cpu_high.for", "a duration such as"),
        ("dos.rules.cpu_high.threshold=high", "threshold", "a value of type float"),
        ("dos.rules.cpu_high.severity=urgent", "dos.rules.cpu_high.severity", "one of"),
        ("policy.guardrails.max_replicas=0", "policy.guardrails.max_replicas", "1 or more"),
        ("start_time=2026-01-05T09:00:00", "start_time", "UTC offset"),
    ],
)
def test_a_bad_value_names_its_key_and_what_is_allowed(
    override: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config([override])
    assert key in caught.value.key
    assert expected in caught.value.expected


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["tick=7s"], "scrape_interval"),
        (["tick=1h"], "scrape_interval"),
        (["scenario.faults.0.at=nan"], "at"),
    ],
)
def test_clock_settings_the_twin_cannot_run_are_rejected_before_the_run(
    overrides: list[str], key: str
) -> None:
    with pytest.raises((ConfigError, SimError)) as caught:
        load_config(overrides)
    assert key in str(caught.value)


def test_a_rule_file_that_does_not_exist_is_rejected_before_the_run(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yml"
    with pytest.raises(DOSError, match=r"missing\.yml"):
        load_config([f"dos.rule_files=[{missing}]"])


def test_a_fault_aimed_at_a_service_outside_the_topology_is_rejected() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_config(["scenario.faults.0.target=checkout"])
    message = str(caught.value)
    assert "conf/scenario/cpu_stress.yaml" in message
    assert "faults[0].target" in message
    assert "'checkout'" in message
    assert "frontend" in message
