"""DOS's own configuration: plain dataclasses, usable with or without Hydra.

Durations are strings in Prometheus' notation (``"5m"``) so that config files read as
rule files do; :func:`dos.durations.parse_duration` turns them into seconds and every
``validate`` method rejects a bad value with its key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dos.actions import ActionKind
from dos.alerting.matchers import format_matchers, matchers_from_config
from dos.alerting.silences import check_silence_matchers
from dos.detect.detectors.config import DetectorStageConfig
from dos.durations import parse_duration
from dos.errors import ConfigError

__all__ = [
    "AlertingConfig",
    "DOSConfig",
    "GuardrailsConfig",
    "InhibitRuleConfig",
    "PolicyConfig",
    "ReceiverConfig",
    "RouteConfig",
    "RuleConfig",
    "SilenceConfig",
    "VerifyConfig",
    "default_rule_configs",
]


@dataclass
class RuleConfig:
    """One default alerting rule's knobs: its threshold, ``for`` and severity."""

    threshold: float
    for_: str = "0s"
    severity: str = "warning"
    enabled: bool = True

    def validate(self, key: str) -> None:
        """Reject a bad value, naming ``key``."""
        parse_duration(self.for_, f"{key}.for")
        if not math.isfinite(self.threshold) or self.threshold < 0:
            raise ConfigError(f"{key}.threshold", self.threshold, "a finite number of 0 or more")
        if self.severity not in {"critical", "warning", "info"}:
            raise ConfigError(f"{key}.severity", self.severity, "one of critical, warning, info")


def default_rule_configs() -> dict[str, RuleConfig]:
    """The brief's key-metrics table as rule settings (thresholds in % and ms)."""
    return {
        "cpu_high": RuleConfig(threshold=85.0, for_="5m", severity="warning"),
        "memory_high": RuleConfig(threshold=90.0, for_="10m", severity="warning"),
        "error_rate_high": RuleConfig(threshold=1.0, for_="2m", severity="critical"),
        "latency_p99_high": RuleConfig(threshold=500.0, for_="0s", severity="warning"),
    }


@dataclass
class VerifyConfig:
    """When a fix counts as verified: healthy signals held for ``stable_for``."""

    stable_for: str = "2m"
    timeout: str = "15m"
    cpu_baseline_margin: float = 10.0
    max_error_logs: int = 0

    def validate(self, key: str) -> None:
        """Reject a bad value, naming ``key``."""
        parse_duration(self.stable_for, f"{key}.stable_for")
        parse_duration(self.timeout, f"{key}.timeout")
        if not self.cpu_baseline_margin >= 0:
            raise ConfigError(f"{key}.cpu_baseline_margin", self.cpu_baseline_margin, "0 or more")
        if self.max_error_logs < 0:
            raise ConfigError(f"{key}.max_error_logs", self.max_error_logs, "0 or more")


@dataclass
class GuardrailsConfig:
    """Limits no remediation may cross, whatever the diagnosis."""

    allowed_actions: dict[str, list[str]] = field(
        default_factory=lambda: {"*": ["scale", "drain", "delete_pod", "restart", "rollback"]}
    )
    max_actions_per_incident: int = 5
    max_failed_in_row: int = 2
    cooldown: str = "5m"
    max_replicas: int = 10
    dry_run: bool = False

    def validate(self, key: str) -> None:
        """Reject a bad value, naming ``key``."""
        parse_duration(self.cooldown, f"{key}.cooldown")
        if self.max_actions_per_incident < 1:
            raise ConfigError(
                f"{key}.max_actions_per_incident", self.max_actions_per_incident, "1 or more"
            )
        if self.max_replicas < 1:
            raise ConfigError(f"{key}.max_replicas", self.max_replicas, "1 or more")
        if self.max_failed_in_row < 1:
            raise ConfigError(f"{key}.max_failed_in_row", self.max_failed_in_row, "1 or more")
        known = sorted(kind.value for kind in ActionKind)
        for service, actions in self.allowed_actions.items():
            for i, action in enumerate(actions):
                if action not in known:
                    where = f"{key}.allowed_actions.{service}[{i}]"
                    raise ConfigError(where, action, f"one of {', '.join(known)}")


@dataclass
class PolicyConfig:
    """Which remediation policy runs (``none``, ``auto``) and its guardrails."""

    name: str = "auto"
    scale_step: int = 1
    guardrails: GuardrailsConfig = field(default_factory=GuardrailsConfig)

    def validate(self, key: str) -> None:
        """Reject a bad value, naming ``key``."""
        if self.name not in {"none", "auto"}:
            raise ConfigError(f"{key}.name", self.name, "one of none, auto")
        if self.scale_step < 1:
            raise ConfigError(f"{key}.scale_step", self.scale_step, "1 or more")
        self.guardrails.validate(f"{key}.guardrails")


# A route's timers; one left unset is its parent's (the root's: Alertmanager's 30s, 5m, 4h).
_ROUTE_TIMERS = ("group_wait", "group_interval", "repeat_interval")
_GROUP_BY_ALL = "..."


@dataclass
class RouteConfig:
    """One node of Alertmanager's routing tree; a child inherits what it leaves unset.

    ``continue_`` is the YAML key ``continue``; ``group_by: ['...']`` groups by every label.
    """

    receiver: str = ""
    group_by: list[str] | None = None
    continue_: bool = False
    match: dict[str, str] = field(default_factory=dict)
    match_re: dict[str, str] = field(default_factory=dict)
    matchers: list[str] = field(default_factory=list)
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    routes: list[RouteConfig] = field(default_factory=list)

    def validate(self, key: str, receivers: set[str], *, root: bool = False) -> None:
        """Reject a bad value in this route or below it, naming ``key``."""
        if root and not self.receiver:
            raise ConfigError(f"{key}.receiver", self.receiver, "a default receiver on the root")
        if self.receiver and self.receiver not in receivers:
            names = ", ".join(sorted(receivers))
            raise ConfigError(f"{key}.receiver", self.receiver, f"a defined receiver: {names}")
        matchers = matchers_from_config(self.match, self.match_re, self.matchers, key)
        if root and matchers:
            text = format_matchers(matchers)
            raise ConfigError(key, text, "no matchers on the root route (it takes every alert)")
        _check_group_by(self.group_by, f"{key}.group_by")
        for name in _ROUTE_TIMERS:
            value = getattr(self, name)
            if value is None:
                continue
            # Alertmanager refuses a zero group_interval or repeat_interval; a zero wait is fine.
            if parse_duration(value, f"{key}.{name}") == 0 and name != "group_wait":
                raise ConfigError(f"{key}.{name}", value, "a positive duration")
        for i, child in enumerate(self.routes):
            child.validate(f"{key}.routes[{i}]", receivers)


def _check_group_by(group_by: list[str] | None, key: str) -> None:
    """Reject duplicate or invalid label names, and ``...`` beside other labels."""
    if group_by is None:
        return
    if _GROUP_BY_ALL in group_by and len(group_by) > 1:
        raise ConfigError(key, group_by, "either ['...'] (every label) or a list of labels")
    seen: set[str] = set()
    for i, name in enumerate(group_by):
        if name != _GROUP_BY_ALL and (not name.isidentifier() or not name.isascii()):
            raise ConfigError(f"{key}[{i}]", name, "a label name")
        if name in seen:
            raise ConfigError(f"{key}[{i}]", name, "each label once")
        seen.add(name)


def default_route() -> RouteConfig:
    """One receiver, alerts grouped per alert name and service, Alertmanager's timers."""
    return RouteConfig(
        receiver="dos",
        group_by=["alertname", "namespace", "service"],
        group_wait="30s",
        group_interval="5m",
        repeat_interval="4h",
    )


@dataclass
class ReceiverConfig:
    """Where a route's notifications go, and whether resolved alerts are sent too."""

    name: str = ""
    send_resolved: bool = True


@dataclass
class InhibitRuleConfig:
    """Mute alerts matching the target while an alert matching the source fires.

    Both must carry the same values of the ``equal`` labels (a label missing on both counts
    as equal); an alert matching both sides never inhibits one that does too.
    """

    source_match: dict[str, str] = field(default_factory=dict)
    source_match_re: dict[str, str] = field(default_factory=dict)
    source_matchers: list[str] = field(default_factory=list)
    target_match: dict[str, str] = field(default_factory=dict)
    target_match_re: dict[str, str] = field(default_factory=dict)
    target_matchers: list[str] = field(default_factory=list)
    equal: list[str] = field(default_factory=list)

    def validate(self, key: str) -> None:
        """Reject a bad matcher or label name, naming ``key``."""
        matchers_from_config(
            self.source_match, self.source_match_re, self.source_matchers, f"{key}.source"
        )
        matchers_from_config(
            self.target_match, self.target_match_re, self.target_matchers, f"{key}.target"
        )
        for i, name in enumerate(self.equal):
            if not name.isidentifier() or not name.isascii():
                raise ConfigError(f"{key}.equal[{i}]", name, "a label name")


def default_inhibit_rules() -> list[InhibitRuleConfig]:
    """A critical alert mutes the warning of the same name on the same service."""
    return [
        InhibitRuleConfig(
            source_matchers=['severity="critical"'],
            target_matchers=['severity="warning"'],
            equal=["alertname", "namespace", "service"],
        )
    ]


@dataclass
class SilenceConfig:
    """A silence set up front, such as a maintenance window, in seconds on DOS's clock."""

    matchers: list[str] = field(default_factory=list)
    starts_at: str = "0s"
    ends_at: str = ""
    created_by: str = "dos"
    comment: str = "maintenance window"

    def validate(self, key: str) -> None:
        """Reject a silence Alertmanager would refuse, naming ``key``."""
        parsed = matchers_from_config({}, {}, self.matchers, key)
        check_silence_matchers(parsed, f"{key}.matchers")
        start = parse_duration(self.starts_at, f"{key}.starts_at")
        if not self.ends_at or parse_duration(self.ends_at, f"{key}.ends_at") <= start:
            expected = f"a time after starts_at ({start:g}s)"
            raise ConfigError(f"{key}.ends_at", self.ends_at, expected)
        for name in ("created_by", "comment"):
            if not getattr(self, name).strip():
                raise ConfigError(f"{key}.{name}", getattr(self, name), "a non-empty text")


@dataclass
class AlertingConfig:
    """Alert handling with Alertmanager's semantics: routes, receivers, inhibition, silences."""

    route: RouteConfig = field(default_factory=default_route)
    receivers: list[ReceiverConfig] = field(default_factory=lambda: [ReceiverConfig("dos")])
    inhibit_rules: list[InhibitRuleConfig] = field(default_factory=default_inhibit_rules)
    silences: list[SilenceConfig] = field(default_factory=list)

    def validate(self, key: str) -> None:
        """Reject a bad value, naming its key under ``key``."""
        names: set[str] = set()
        for i, receiver in enumerate(self.receivers):
            if not receiver.name or receiver.name in names:
                where = f"{key}.receivers[{i}].name"
                expected = "a non-empty name used by no other receiver"
                raise ConfigError(where, receiver.name, expected)
            names.add(receiver.name)
        self.route.validate(f"{key}.route", names, root=True)
        for i, rule in enumerate(self.inhibit_rules):
            rule.validate(f"{key}.inhibit_rules[{i}]")
        for i, silence in enumerate(self.silences):
            silence.validate(f"{key}.silences[{i}]")


@dataclass
class DOSConfig:
    """Everything DOS needs to run: evaluation cadence, rules, verification, policy."""

    namespace: str = "default"
    eval_interval: str = "15s"
    lookback_delta: str = "5m"
    rate_window: str = "1m"
    rules: dict[str, RuleConfig] = field(default_factory=default_rule_configs)
    rule_files: list[str] = field(default_factory=list)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    alerting: AlertingConfig = field(default_factory=AlertingConfig)
    detectors: DetectorStageConfig = field(default_factory=DetectorStageConfig)

    def validate(self, key: str = "dos") -> None:
        """Reject a bad value, naming its key under ``key``."""
        for name in ("eval_interval", "lookback_delta", "rate_window"):
            seconds = parse_duration(getattr(self, name), f"{key}.{name}")
            if seconds <= 0:
                raise ConfigError(f"{key}.{name}", getattr(self, name), "a positive duration")
        known = default_rule_configs()
        for name, rule in self.rules.items():
            if name not in known:
                allowed = ", ".join(sorted(known))
                raise ConfigError(f"{key}.rules.{name}", name, f"one of the rules {allowed}")
            rule.validate(f"{key}.rules.{name}")
        self.verify.validate(f"{key}.verify")
        self.alerting.validate(f"{key}.alerting")
        self.detectors.validate(f"{key}.detectors")
        self.policy.validate("policy")
