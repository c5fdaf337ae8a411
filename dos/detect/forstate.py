"""Bring back alerts' ``for`` state after a restart, from ``ALERTS_FOR_STATE``.

Prometheus writes, for every pending or firing alert at every evaluation, a sample of
``ALERTS_FOR_STATE{<alert labels>}`` whose value is the alert's ``activeAt`` in whole
seconds. A restarted rule engine evaluates each group twice (so recording rules and
scrapes have caught up), then restores, as Prometheus 2.42's ``RestoreForState`` does:

- for each alerting rule whose ``for`` is at least the grace period (10 min by default,
  ``--rules.alert.for-grace-period``), and each of its alerts active after those two
  evaluations, the newest ``ALERTS_FOR_STATE`` sample of that alert no older than the
  outage tolerance (1 h, ``--rules.alert.for-outage-tolerance``) is looked up; a stale
  marker or no sample leaves the alert as it is (its ``for`` clock started at the restart);
- the alert was already firing when the old engine stopped (it had been pending ``for``
  or longer at the last sample): ``activeAt`` goes back to the stored one, so it fires at
  the next evaluation if its expression still holds;
- less than the grace period was left to wait: ``activeAt`` is set so that the alert
  fires one grace period after the restore;
- otherwise the outage is not counted: ``activeAt`` moves forward by the time between the
  last sample and the restore, so the alert still waits what it had left.

A rule with a shorter ``for`` is not restored at all: it waits its whole ``for`` again,
which is never longer than the grace period. Until the restore, the rules of a restarted
group write no ``ALERTS`` or ``ALERTS_FOR_STATE`` (so the old samples are what is read).
Times here are the evaluation ticks (Prometheus uses the wall clock of the restore, a
moment after the second evaluation).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

from dos.detect.alert import Alert
from dos.errors import ConfigError
from dos.telemetry import is_stale
from dos.tsdb import SeriesStore

__all__ = ["ForStatePolicy", "restore_for_state"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ForStatePolicy:
    """How a restart restores ``for`` state (Prometheus' defaults: 10 min and 1 h)."""

    grace_period: float = 600.0
    outage_tolerance: float = 3600.0

    def __post_init__(self) -> None:
        for key in ("grace_period", "outage_tolerance"):
            value = getattr(self, key)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ConfigError(key, value, "a duration of 0 s or more")


def restore_for_state(
    alerts: Iterable[Alert], hold: float, store: SeriesStore, now: float, policy: ForStatePolicy
) -> int:
    """Restore the ``activeAt`` of ``alerts`` of a rule with ``for`` = ``hold``.

    Returns how many alerts were restored from a stored sample.
    """
    if hold < policy.grace_period:
        return 0
    restored = 0
    for alert in alerts:
        sample = _last_for_state(alert, store, now, policy.outage_tolerance)
        if sample is None:
            continue
        down_at, stored_active_at = sample
        alert.active_at = _restored_active_at(stored_active_at, down_at, hold, now, policy)
        restored += 1
        logger.debug("for state of %s restored: active since %s", alert.key, alert.active_at)
    return restored


def _last_for_state(
    alert: Alert, store: SeriesStore, now: float, tolerance: float
) -> tuple[float, float] | None:
    """Return (time, value) of the alert's newest usable ``ALERTS_FOR_STATE`` sample."""
    key = tuple(sorted({**alert.labels, "__name__": "ALERTS_FOR_STATE"}.items()))
    series = store.get(key)
    if series is None:
        return None
    count = series.count_until(now)
    if count == 0:
        return None
    t, value = series.at(count - 1)
    if t < now - tolerance or is_stale(value) or not math.isfinite(value):
        return None
    # Prometheus reads both in whole seconds (time.Unix of the sample and of the value).
    return float(math.floor(t)), float(math.trunc(value))


def _restored_active_at(
    active_at: float, down_at: float, hold: float, now: float, policy: ForStatePolicy
) -> float:
    remaining = hold - (down_at - active_at)
    if remaining <= 0:
        return active_at  # it was firing: it fires again at the next evaluation
    if remaining < policy.grace_period:
        return now + policy.grace_period - hold
    return active_at + (now - down_at)
