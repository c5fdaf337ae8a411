"""The alert as alert handling receives it: what Prometheus posts to Alertmanager.

A posted alert has labels (its identity: two posts with the same labels are the same
alert), annotations, ``starts_at`` (when it began firing) and ``ends_at`` (unset while it
fires, the time it resolved afterwards). Pending alerts are never posted.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from dos.telemetry import Labels

__all__ = ["PostedAlert", "format_label_set", "notification_order"]


@dataclass(frozen=True, slots=True)
class PostedAlert:
    """One alert with its activity range; ``ends_at`` is ``None`` while it fires."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float
    ends_at: float | None = None
    updated_at: float = 0.0
    fingerprint: Labels = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", tuple(sorted(self.labels.items())))

    @property
    def name(self) -> str:
        """The alert's ``alertname``."""
        return self.labels.get("alertname", "")

    def resolved_at(self, t: float) -> bool:
        """Tell whether the alert had resolved by ``t`` (its end is at or before ``t``)."""
        return self.ends_at is not None and self.ends_at <= t

    def to_dict(self) -> dict[str, object]:
        """Return JSON-ready data with Alertmanager's field names."""
        return {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "startsAt": self.starts_at,
            "endsAt": self.ends_at,
            "status": "resolved" if self.ends_at is not None else "firing",
        }


def format_label_set(labels: Mapping[str, str]) -> str:
    """Write a label set as Alertmanager does in a group key: ``{a="b", c="d"}``."""
    pairs = []
    for name in sorted(labels):
        value = labels[name].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        pairs.append(f'{name}="{value}"')
    return "{" + ", ".join(pairs) + "}"


def _compare(a: PostedAlert, b: PostedAlert) -> int:
    """Order alerts as Alertmanager does: by ``job``, then ``instance``, then label set."""
    for name in ("job", "instance"):
        left, right = a.labels.get(name), b.labels.get(name)
        if left is None and right is None:
            continue
        if left is None or right is None:
            return 1 if left is None else -1  # an alert with the label comes first
        if left != right:
            return -1 if left < right else 1
    return _compare_label_sets(a.labels, b.labels)


def _compare_label_sets(a: Mapping[str, str], b: Mapping[str, str]) -> int:
    """Order label sets: fewer labels first, then name by name over both sets' names."""
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            return -1 if name not in a else 1
        if a[name] != b[name]:
            return -1 if a[name] < b[name] else 1
    return 0


notification_order = functools.cmp_to_key(_compare)
"""Sort key putting a group's alerts in the order its notification lists them."""
