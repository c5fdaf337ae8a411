"""Inhibition: while one alert fires, mute the alerts it makes redundant.

A rule mutes an alert matching its *target* matchers while some firing alert matches its
*source* matchers and carries the same values of the ``equal`` labels (a label missing on
both sides counts as equal). An alert that matches both sides is never muted by another
alert that also matches both, so that a rule cannot make a set of alerts silence each
other. Silenced alerts still inhibit: muting only affects notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dos.alerting.alert import PostedAlert
from dos.alerting.matchers import Matchers, matchers_from_config, matches_all
from dos.telemetry import Labels

if TYPE_CHECKING:
    from dos.config import InhibitRuleConfig

__all__ = ["InhibitRule", "Inhibitor"]


@dataclass(frozen=True, slots=True)
class InhibitRule:
    """Mute ``target`` alerts while a ``source`` alert with the same ``equal`` labels fires."""

    source: Matchers
    target: Matchers
    equal: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: InhibitRuleConfig, key: str = "inhibit_rule") -> InhibitRule:
        """Build a rule from its config block (``source_*``, ``target_*``, ``equal``)."""
        source = matchers_from_config(
            config.source_match, config.source_match_re, config.source_matchers, f"{key}.source"
        )
        target = matchers_from_config(
            config.target_match, config.target_match_re, config.target_matchers, f"{key}.target"
        )
        return cls(source, target, tuple(config.equal))

    def inhibitor(
        self, labels: Mapping[str, str], firing: Iterable[PostedAlert]
    ) -> PostedAlert | None:
        """Return a firing alert that mutes an alert with ``labels``, or ``None``."""
        if not matches_all(self.target, labels):
            return None
        key = self.key_of(labels)
        sources = (
            a
            for a in firing
            if matches_all(self.source, a.labels) and self.key_of(a.labels) == key
        )
        return self.first_source(labels, sources)

    def key_of(self, labels: Mapping[str, str]) -> tuple[str, ...]:
        """Return the values of the ``equal`` labels (``""`` for a missing one)."""
        return tuple(labels.get(name, "") for name in self.equal)

    def first_source(
        self, labels: Mapping[str, str], sources: Iterable[PostedAlert]
    ) -> PostedAlert | None:
        """Return the first of ``sources`` (same ``equal`` labels) that may mute ``labels``."""
        two_sided = matches_all(self.source, labels)
        for alert in sources:
            if not (two_sided and matches_all(self.target, alert.labels)):
                return alert
        return None


class Inhibitor:
    """Apply every inhibition rule to an alert, given the alerts firing at the time.

    Like Alertmanager, it keeps each rule's firing source alerts as alerts come in
    (:meth:`observe`), indexed by their ``equal`` labels, so that a check looks only at
    the alerts that can mute the one at hand.
    """

    def __init__(self, rules: Sequence[InhibitRule] = ()) -> None:
        self.rules = list(rules)
        self._sources: list[dict[tuple[str, ...], dict[Labels, PostedAlert]]] = [
            {} for _ in self.rules
        ]

    def observe(self, alert: PostedAlert) -> None:
        """Keep a firing ``alert`` as a source of the rules it matches; forget it resolved."""
        for rule, index in zip(self.rules, self._sources, strict=True):
            key = rule.key_of(alert.labels)
            if alert.ends_at is None and matches_all(rule.source, alert.labels):
                index.setdefault(key, {})[alert.fingerprint] = alert
            elif key in index:
                index[key].pop(alert.fingerprint, None)
                if not index[key]:
                    del index[key]

    def inhibitor(self, labels: Mapping[str, str]) -> PostedAlert | None:
        """Return the first firing alert that mutes an alert with ``labels``, or ``None``."""
        for rule, index in zip(self.rules, self._sources, strict=True):
            if not matches_all(rule.target, labels):
                continue
            sources = index.get(rule.key_of(labels))
            source = rule.first_source(labels, sources.values()) if sources else None
            if source is not None:
                return source
        return None
