"""DOS's own configuration: plain dataclasses, usable with or without Hydra.

Durations are strings in Prometheus' notation (``"5m"``) so that config files read as
rule files do; :func:`dos.durations.parse_duration` turns them into seconds and every
``validate`` method rejects a bad value with its key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dos.actions import ActionKind
from dos.durations import parse_duration
from dos.errors import ConfigError

__all__ = [
    "DOSConfig",
    "GuardrailsConfig",
    "PolicyConfig",
    "RuleConfig",
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
        self.policy.validate("policy")
