from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dos.config import (
    AlertingConfig,
    DOSConfig,
    InhibitRuleConfig,
    ReceiverConfig,
    RouteConfig,
    SilenceConfig,
)
from dos.errors import ConfigError
from experiments.config import from_mapping

CONF = Path(__file__).resolve().parents[2] / "conf" / "dos" / "default.yaml"


def test_the_shipped_alerting_section_is_the_default_one() -> None:
    raw = yaml.safe_load(CONF.read_text())["alerting"]
    assert from_mapping(AlertingConfig, raw, "alerting") == AlertingConfig()
    route = AlertingConfig().route
    assert route.group_by == ["alertname", "namespace", "service"]
    assert (route.group_wait, route.group_interval, route.repeat_interval) == ("30s", "5m", "4h")


def child(**settings: Any) -> AlertingConfig:
    return AlertingConfig(route=RouteConfig(receiver="dos", routes=[RouteConfig(**settings)]))


@pytest.mark.parametrize(
    ("config", "key", "problem"),
    [
        (AlertingConfig(route=RouteConfig()), "route.receiver", "a default receiver"),
        (child(receiver="pager"), "route.routes[0].receiver", "a defined receiver: dos"),
        (
            AlertingConfig(route=RouteConfig(receiver="dos", match={"a": "b"})),
            "route",
            "no matchers on the root",
        ),
        (child(group_by=["...", "pod"]), "route.routes[0].group_by", "either ['...']"),
        (child(group_by=["pod", "pod"]), "route.routes[0].group_by[1]", "each label once"),
        (child(group_by=["pod-name"]), "route.routes[0].group_by[0]", "a label name"),
        (child(group_interval="0s"), "route.routes[0].group_interval", "a positive duration"),
        (child(repeat_interval="0s"), "route.routes[0].repeat_interval", "a positive duration"),
        (child(group_wait="soon"), "route.routes[0].group_wait", "a duration"),
        (child(matchers=["team"]), "route.routes[0].matchers[0]", "a matcher such as"),
        (
            AlertingConfig(receivers=[ReceiverConfig("dos"), ReceiverConfig("dos")]),
            "receivers[1].name",
            "used by no other receiver",
        ),
        (
            AlertingConfig(inhibit_rules=[InhibitRuleConfig(equal=["a b"])]),
            "inhibit_rules[0].equal[0]",
            "a label name",
        ),
        (
            AlertingConfig(inhibit_rules=[InhibitRuleConfig(target_match_re={"a": "("})]),
            "inhibit_rules[0].target.match_re.a",
            "a valid regular expression",
        ),
        (
            AlertingConfig(silences=[SilenceConfig(matchers=['a=~".*"'], ends_at="1h")]),
            "silences[0].matchers",
            "does not match the empty string",
        ),
        (
            AlertingConfig(silences=[SilenceConfig(matchers=['a="b"'], starts_at="1h")]),
            "silences[0].ends_at",
            "a time after starts_at",
        ),
        (
            AlertingConfig(silences=[SilenceConfig(['a="b"'], ends_at="1h", comment=" ")]),
            "silences[0].comment",
            "a non-empty text",
        ),
    ],
)
def test_a_bad_alerting_setting_is_refused_naming_its_key(
    config: AlertingConfig, key: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)) as caught:
        DOSConfig(alerting=config).validate()
    assert caught.value.key == f"dos.alerting.{key}"


def test_a_zero_group_wait_and_continue_are_allowed() -> None:
    config = child(receiver="dos", group_wait="0s", continue_=True, match_re={"a": "b.*"})
    DOSConfig(alerting=config).validate()
    assert config.route.routes[0].continue_ is True
