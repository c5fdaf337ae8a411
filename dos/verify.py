"""Verification: is the fix holding? The brief's three checks, held for a stable period.

A service counts as healthy at an evaluation when

- the signal that fired is back: every alert of the incident has resolved, and the
  service's CPU (the hottest pod, as % of its limit) is within ``cpu_baseline_margin``
  points of its pre-incident baseline *or* that margin below the CPU rule's threshold.
  The second arm lets a service that now runs legitimately hotter (more traffic than
  before, but enough replicas) verify, while one hovering just under the alert threshold
  does not;
- health checks pass: ``up`` is 1 for every instance of the service's job, and the
  deployment's available replicas match its desired count;
- the logs are clean: no more than ``max_error_logs`` error lines from the service since
  it became healthy.

It is verified once healthy continuously for ``stable_for``. A check whose series DOS
does not have (a source without kube-state-metrics, say) passes and says so, so DOS
works on partial telemetry; the detail of every check is kept in the result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from dos.config import VerifyConfig
from dos.durations import parse_duration
from dos.rca import ServiceSignals
from dos.telemetry import Level, LogRecord

__all__ = ["Check", "Verification", "VerificationResult", "Verifier"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome and what it saw."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """All checks at one evaluation, and whether the stable period is complete."""

    timestamp: float
    checks: tuple[Check, ...]
    healthy_since: float | None
    verified: bool

    @property
    def healthy(self) -> bool:
        """Tell whether every check passed at this evaluation."""
        return all(check.passed for check in self.checks)

    def describe(self) -> str:
        """Word the failing checks (or all of them when healthy) in one line."""
        shown = [c for c in self.checks if not c.passed] or list(self.checks)
        return "; ".join(f"{c.name}: {c.detail}" for c in shown)


@dataclass(slots=True)
class Verification:
    """Verification in progress for one incident."""

    incident_id: str
    namespace: str
    service: str
    started_at: float
    cpu_baseline: float | None
    healthy_since: float | None = None
    logs_from: float | None = None
    last_checked: float | None = None
    last: VerificationResult | None = None


class Verifier:
    """Run the checks of the module docstring against the series DOS stores."""

    def __init__(
        self,
        signals: ServiceSignals,
        config: VerifyConfig,
        *,
        cpu_threshold: float = 85.0,
        baseline_window: float = 600.0,
        baseline_gap: float = 120.0,
    ) -> None:
        self.signals = signals
        self.config = config
        self.stable_for = parse_duration(config.stable_for, "verify.stable_for")
        self.timeout = parse_duration(config.timeout, "verify.timeout")
        self.cpu_threshold = cpu_threshold
        self.baseline_window = baseline_window
        self.baseline_gap = baseline_gap

    def start(
        self, incident_id: str, namespace: str, service: str, onset: float, now: float
    ) -> Verification:
        """Begin verifying at ``now``, with the CPU baseline taken before ``onset``."""
        signals = self._signals(namespace)
        end = onset - self.baseline_gap
        window = signals.window_before(end, self.baseline_window)
        before = signals.cpu_percent(service, end, window) if window else {}
        baseline = max(before.values()) if before else None
        return Verification(incident_id, namespace, service, now, baseline)

    def check(
        self,
        verification: Verification,
        now: float,
        *,
        alerts_cleared: bool,
        logs: Iterable[LogRecord] = (),
    ) -> VerificationResult:
        """Run every check at ``now`` and move the stable period on or back."""
        v = verification
        checks = [
            Check("alerts", alerts_cleared, "resolved" if alerts_cleared else "still firing"),
            self._cpu(v, now),
            self._up(v, now),
            self._replicas(v, now),
        ]
        if all(c.passed for c in checks):
            if v.healthy_since is None:
                v.healthy_since = now
                v.logs_from = v.last_checked if v.last_checked is not None else now
            checks.append(self._logs(v, now, logs))
        if not all(c.passed for c in checks):
            v.healthy_since = None
        v.last_checked = now
        verified = v.healthy_since is not None and now - v.healthy_since >= self.stable_for
        v.last = VerificationResult(now, tuple(checks), v.healthy_since, verified)
        return v.last

    def _cpu(self, v: Verification, now: float) -> Check:
        pods = self._signals(v.namespace).cpu_percent(v.service, now)
        if not pods:
            return Check("cpu", True, "no CPU series")
        hottest = max(pods.values())
        margin = self.config.cpu_baseline_margin
        limit = self.cpu_threshold - margin
        if v.cpu_baseline is not None:
            limit = max(limit, v.cpu_baseline + margin)
        base = f"{v.cpu_baseline:.0f}%" if v.cpu_baseline is not None else "unknown"
        detail = f"hottest pod {hottest:.0f}% of its limit (baseline {base}, allowed {limit:.0f}%)"
        return Check("cpu", hottest <= limit, detail)

    def _up(self, v: Verification, now: float) -> Check:
        up = self._signals(v.namespace).up(v.service, now)
        if not up:
            return Check("up", True, "no up series")
        down = sorted(instance for instance, value in up.items() if value != 1)
        detail = f"down: {', '.join(down)}" if down else f"{len(up)} instances up"
        return Check("up", not down, detail)

    def _replicas(self, v: Verification, now: float) -> Check:
        spec, available = self._signals(v.namespace).replicas(v.service, now)
        if spec is None or available is None:
            return Check("replicas", True, "no replica series")
        detail = f"{available:.0f} of {spec:.0f} available"
        return Check("replicas", available >= spec, detail)

    def _logs(self, v: Verification, now: float, logs: Iterable[LogRecord]) -> Check:
        start = v.logs_from if v.logs_from is not None else now
        errors = sum(
            log.count
            for log in logs
            if log.service == v.service
            and log.level == Level.ERROR
            and start < log.timestamp <= now
        )
        allowed = self.config.max_error_logs
        return Check("logs", errors <= allowed, f"{errors} error lines (allowed {allowed})")

    def _signals(self, namespace: str) -> ServiceSignals:
        return self.signals.with_namespace(namespace)
