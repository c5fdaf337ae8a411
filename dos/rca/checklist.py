"""A first-cut root-cause analyzer that walks the brief's checklist.

For the alerted service it checks, in the brief's order: recent changes (a deployment,
rollback or config change), a traffic spike, a memory leak, and CPU saturation with
neither of the first two to explain it. Each finding becomes a candidate with a
confidence and its evidence in words; a pod is named when it alone stands out among its
service's pods. Impact comes from the call graph: an entry service, or a rise in the
errors users see, makes it high; latency or CPU alone, medium; anything else, low.
"""

from __future__ import annotations

import itertools
import logging
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from dos.config import DOSConfig
from dos.durations import format_duration, parse_duration
from dos.rca.graph import CallGraph
from dos.rca.model import Candidate, Cause, Impact, ImpactAssessment, RCARequest, RCAResult
from dos.rca.signals import ServiceSignals, Traffic
from dos.telemetry import EventKind, TimelineEvent

__all__ = ["ChecklistAnalyzer"]

logger = logging.getLogger(__name__)

_CHANGE_KINDS = frozenset({EventKind.DEPLOYMENT, EventKind.ROLLBACK, EventKind.CONFIG_CHANGE})
_LATENCY_OR_CPU = frozenset({"cpu_high", "latency_p99_high", "CPUHigh", "LatencyP99High"})
_MEMORY = frozenset({"memory_high", "MemoryHigh"})
_MIB = 1024.0 * 1024.0


@dataclass
class _Findings:
    """What the checklist found for one service at one instant."""

    cpu: dict[str, float]
    saturated: list[str]
    hot_pod: str | None
    changes: list[TimelineEvent]
    traffic_now: dict[str, Traffic]
    traffic_before: dict[str, Traffic]
    spike: float | None
    latency_now: dict[str, float]
    latency_before: dict[str, float]
    leaks: dict[str, str] = field(default_factory=dict)


class ChecklistAnalyzer:
    """Rank causes for an incident with the brief's checks (see the module docstring).

    Thresholds are keyword-only: CPU saturation at ``cpu_threshold`` % of the limit; a pod
    stands out when it leads the median of its peers by ``standout_margin`` points; changes
    count within ``change_window`` seconds before the onset; a spike is a request rate of
    ``spike_ratio`` times the baseline (the rate over ``baseline_window`` ending
    ``baseline_gap`` before the onset); a leak is memory that never drops over
    ``leak_window`` and grows by ``leak_min_growth`` of the limit.
    """

    def __init__(
        self,
        signals: ServiceSignals,
        graph: CallGraph | None = None,
        *,
        cpu_threshold: float = 85.0,
        standout_margin: float = 20.0,
        change_window: float = 1800.0,
        spike_ratio: float = 1.5,
        baseline_window: float = 600.0,
        baseline_gap: float = 120.0,
        leak_window: float = 600.0,
        leak_points: int = 6,
        leak_min_growth: float = 0.05,
        error_threshold: float = 0.01,
        latency_threshold: float = 0.5,
        latency_ratio: float = 1.5,
        entry_services: Collection[str] = (),
    ) -> None:
        self.signals = signals
        self.graph = graph if graph is not None else CallGraph()
        self.cpu_threshold = cpu_threshold
        self.standout_margin = standout_margin
        self.change_window = change_window
        self.spike_ratio = spike_ratio
        self.baseline_window = baseline_window
        self.baseline_gap = baseline_gap
        self.leak_window = leak_window
        self.leak_points = max(2, leak_points)
        self.leak_min_growth = leak_min_growth
        self.error_threshold = error_threshold
        self.latency_threshold = latency_threshold
        self.latency_ratio = latency_ratio
        self.entry_services = frozenset(entry_services)

    @classmethod
    def from_config(
        cls, config: DOSConfig, signals: ServiceSignals, graph: CallGraph | None = None
    ) -> ChecklistAnalyzer:
        """Build an analyzer whose thresholds follow the configured default rules."""
        rules = config.rules
        return cls(
            signals,
            graph,
            cpu_threshold=rules["cpu_high"].threshold if "cpu_high" in rules else 85.0,
            error_threshold=(
                rules["error_rate_high"].threshold / 100.0 if "error_rate_high" in rules else 0.01
            ),
            latency_threshold=(
                rules["latency_p99_high"].threshold / 1000.0
                if "latency_p99_high" in rules
                else 0.5
            ),
            baseline_window=max(600.0, 2 * parse_duration(config.rate_window)),
        )

    def analyze(self, request: RCARequest, now: float) -> RCAResult:
        """Rank the candidate causes of ``request``'s anomaly as seen at ``now``."""
        found = self._find(request, self.signals.with_namespace(request.namespace), now)
        candidates = self._rank(request, found)
        impact = self._impact(request, found)
        logger.debug(
            "rca for %s: %s",
            request.service,
            [(c.cause, round(c.confidence, 2)) for c in candidates],
            extra={"service": request.service},
        )
        return RCAResult(now, tuple(candidates), impact)

    # -- checks --------------------------------------------------------------------------

    def _find(self, request: RCARequest, signals: ServiceSignals, now: float) -> _Findings:
        """Run every check once."""
        service = request.service
        cpu = signals.cpu_percent(service, now)
        saturated = sorted(p for p, v in cpu.items() if v >= self.cpu_threshold)
        before = request.onset - self.baseline_gap
        window = signals.window_before(before, self.baseline_window)
        traffic_now = signals.traffic(now)
        traffic_before = signals.traffic(before, window) if window else {}
        found = _Findings(
            cpu=cpu,
            saturated=saturated,
            hot_pod=self._standout(cpu, saturated),
            changes=self._changes(request, now),
            traffic_now=traffic_now,
            traffic_before=traffic_before,
            spike=_ratio(traffic_now.get(service), traffic_before.get(service)),
            latency_now=signals.latency_p99(now),
            latency_before=signals.latency_p99(before, window) if window else {},
        )
        found.leaks = self._leaks(signals, service, now)
        return found

    def _standout(self, values: Mapping[str, float], flagged: list[str]) -> str | None:
        """Name the one flagged pod that leads its peers' median by the margin."""
        if len(flagged) != 1:
            return None
        pod = flagged[0]
        others = [v for p, v in values.items() if p != pod]
        if not others or values[pod] - statistics.median(others) >= self.standout_margin:
            return pod
        return None

    def _changes(self, request: RCARequest, now: float) -> list[TimelineEvent]:
        """Return the service's change events in the window, leaving out DOS's own actions."""
        start = request.onset - self.change_window
        return [
            e
            for e in request.events
            if e.kind in _CHANGE_KINDS
            and e.service == request.service
            and start <= e.timestamp <= now
            and "action_id" not in e.attributes
        ]

    def _leaks(self, signals: ServiceSignals, service: str, now: float) -> dict[str, str]:
        """Return the pods whose memory never dropped and grew enough, with the evidence."""
        step = self.leak_window / (self.leak_points - 1)
        times = [now - self.leak_window + i * step for i in range(self.leak_points)]
        series = [signals.memory(service, t) for t in times]
        limits = signals.memory_limits(service, now)
        leaks = {}
        for pod in series[-1]:
            values = [s[pod] for s in series if pod in s]
            if len(values) == self.leak_points and self._leaking(values, limits.get(pod)):
                leaks[pod] = self._leak_evidence(pod, values, limits.get(pod))
        return leaks

    def _leaking(self, values: list[float], limit: float | None) -> bool:
        """Tell whether ``values`` never drop (1 % jitter allowed) and grow enough."""
        # Working sets jitter a little; a leak still never gives memory back.
        steady = all(b >= a - 0.01 * values[0] for a, b in itertools.pairwise(values))
        scale = limit or values[0]
        return steady and scale > 0 and values[-1] - values[0] >= self.leak_min_growth * scale

    def _leak_evidence(self, pod: str, values: list[float], limit: float | None) -> str:
        share = f" ({100 * values[-1] / limit:.0f}% of its limit)" if limit else ""
        return (
            f"memory of {pod} grew steadily from {values[0] / _MIB:.0f} MiB to "
            f"{values[-1] / _MIB:.0f} MiB over {format_duration(self.leak_window)}{share}"
        )

    # -- ranking -------------------------------------------------------------------------

    def _rank(self, request: RCARequest, found: _Findings) -> list[Candidate]:
        """Turn the findings into candidates, best first."""
        service = request.service
        candidates = [
            *self._deploy_candidate(request, found),
            *self._spike_candidate(service, found),
            *self._leak_candidate(request, found),
            *self._cpu_candidate(service, found),
            *self._symptom_candidates(service, found),
        ]
        if not candidates:
            evidence = ("no CPU saturation, recent change, traffic spike or memory leak found",)
            candidates.append(Candidate(service, None, Cause.UNKNOWN, 0.1, evidence))
        return sorted(candidates, key=lambda c: -c.confidence)

    def _deploy_candidate(self, request: RCARequest, found: _Findings) -> list[Candidate]:
        if not found.changes:
            return []
        service = request.service
        evidence = [_describe_change(e, request.onset) for e in found.changes]
        confidence = 0.6
        if self._errors_rose(service, found):
            confidence += 0.2
            evidence.append(self._error_evidence(service, found))
        if found.saturated or self._latency_rose(service, found):
            confidence += 0.1
        return [Candidate(service, None, Cause.BAD_DEPLOY, confidence, tuple(evidence))]

    def _spike_candidate(self, service: str, found: _Findings) -> list[Candidate]:
        if found.spike is None or found.spike < self.spike_ratio:
            return []
        now, before = found.traffic_now[service].total, found.traffic_before[service].total
        evidence = (
            f"request rate {found.spike:.1f}x its baseline "
            f"({now:.1f}/s now, {before:.1f}/s before the anomaly)",
        )
        confidence = 0.8 if found.saturated or self._latency_rose(service, found) else 0.6
        return [Candidate(service, None, Cause.TRAFFIC_SPIKE, confidence, evidence)]

    def _leak_candidate(self, request: RCARequest, found: _Findings) -> list[Candidate]:
        if not found.leaks:
            return []
        pod = next(iter(found.leaks)) if len(found.leaks) == 1 else None
        named = _MEMORY & {*request.rules, *request.alert_names}
        confidence = 0.9 if named else 0.75
        evidence = tuple(found.leaks[p] for p in sorted(found.leaks))
        return [Candidate(request.service, pod, Cause.MEMORY_LEAK, confidence, evidence)]

    def _cpu_candidate(self, service: str, found: _Findings) -> list[Candidate]:
        if not found.saturated:
            return []
        pods = found.saturated
        if found.hot_pod is not None:
            others = [v for p, v in found.cpu.items() if p != found.hot_pod]
            peers = f" (other pods {statistics.median(others):.0f}%)" if others else ""
            where = f"{found.hot_pod} at {found.cpu[found.hot_pod]:.0f}% of its CPU limit{peers}"
        else:
            where = ", ".join(f"{p} at {found.cpu[p]:.0f}%" for p in pods) + " of CPU limit"
        spiked = found.spike is not None and found.spike >= self.spike_ratio
        if found.changes or spiked:
            reason = "a recent change" if found.changes else "a traffic spike"
            explained = (f"CPU saturation, explained by {reason}", where)
            return [Candidate(service, found.hot_pod, Cause.CPU_SATURATION, 0.3, explained)]
        confidence = 0.9 if found.hot_pod is not None else 0.8
        evidence = ["CPU saturation, no recent deployment, no traffic spike", where]
        if found.spike is None:
            # Without a baseline a spike cannot be ruled out: say so and trust it less.
            confidence -= 0.1
            evidence.append("no request-rate baseline before the onset to compare with")
        cause = Cause.CPU_SATURATION
        return [Candidate(service, found.hot_pod, cause, confidence, tuple(evidence))]

    def _symptom_candidates(self, service: str, found: _Findings) -> list[Candidate]:
        """Errors or latency with nothing above to explain them, here or downstream."""
        out = []
        explained = bool(found.changes or found.saturated or found.leaks)
        for target in [service, *sorted(self.graph.callees(service))]:
            own = target == service
            if self._errors_rose(target, found) and not (own and explained):
                evidence = (self._error_evidence(target, found),)
                out.append(Candidate(target, None, Cause.ERRORS, 0.5 if own else 0.45, evidence))
            elif self._latency_rose(target, found) and not (own and explained):
                p99 = found.latency_now[target]
                evidence = (f"p99 latency of {target} {1000 * p99:.0f} ms",)
                out.append(Candidate(target, None, Cause.LATENCY, 0.4 if own else 0.35, evidence))
        return out

    # -- impact --------------------------------------------------------------------------

    def _impact(self, request: RCARequest, found: _Findings) -> ImpactAssessment:
        """Assess who is affected and how much users feel it."""
        service = request.service
        entries = self.entry_services | self.graph.entry_services()
        # Without traces DOS cannot tell an entry service from a backend: it assumes the worse.
        is_entry = service in entries or not entries
        callers = self.graph.callers(service)
        hurt = [
            c
            for c in sorted(callers)
            if self._errors_rose(c, found) or self._latency_rose(c, found)
        ]
        facing = entries or set(found.traffic_now)
        now = _error_ratio(found.traffic_now, facing)
        before = _error_ratio(found.traffic_before, facing)
        rose = now is not None and now - (before or 0.0) >= self.error_threshold
        reasons = []
        if is_entry:
            reasons.append(f"{service} is an entry service")
        if rose and now is not None:
            reasons.append(f"user-facing error ratio {100 * now:.2f}%")
        level = Impact.HIGH if reasons else self._lesser_impact(request, found, reasons)
        return ImpactAssessment(level, (service, *hurt), now, before, is_entry, tuple(reasons))

    def _lesser_impact(self, request: RCARequest, found: _Findings, reasons: list[str]) -> Impact:
        """Medium when the symptoms are latency or CPU only, low otherwise."""
        named = _LATENCY_OR_CPU & {*request.rules, *request.alert_names}
        if named or found.saturated or self._latency_rose(request.service, found):
            reasons.append("latency or CPU symptoms, no user-facing errors")
            return Impact.MEDIUM
        reasons.append("no user-facing errors, latency or CPU symptoms")
        return Impact.LOW

    def _errors_rose(self, service: str, found: _Findings) -> bool:
        now = found.traffic_now.get(service)
        if now is None:
            return False
        before = found.traffic_before.get(service)
        base = before.error_ratio if before is not None else 0.0
        return now.error_ratio - base >= self.error_threshold

    def _latency_rose(self, service: str, found: _Findings) -> bool:
        now = found.latency_now.get(service)
        if now is None:
            return False
        before = found.latency_before.get(service)
        relative = before is not None and now >= self.latency_ratio * before + 0.01
        return now > self.latency_threshold or relative

    def _error_evidence(self, service: str, found: _Findings) -> str:
        now = found.traffic_now[service].error_ratio
        before = found.traffic_before.get(service)
        base = f" ({100 * before.error_ratio:.2f}% before)" if before is not None else ""
        return f"error ratio of {service} {100 * now:.2f}%{base}"


def _ratio(now: Traffic | None, before: Traffic | None) -> float | None:
    """Return the request-rate ratio now / before, ``None`` without a usable baseline."""
    if now is None or before is None or before.total <= 0:
        return None
    return now.total / before.total


def _error_ratio(traffic: Mapping[str, Traffic], services: Collection[str]) -> float | None:
    """Return the 5xx ratio over ``services`` together, ``None`` without traffic."""
    total = sum(traffic[s].total for s in services if s in traffic)
    errors = sum(traffic[s].errors for s in services if s in traffic)
    return errors / total if total > 0 else None


def _describe_change(event: TimelineEvent, onset: float) -> str:
    """Word a change event relative to the anomaly onset."""
    gap = onset - event.timestamp
    when = (
        f"{format_duration(round(abs(gap)))} {'before' if gap >= 0 else 'after'} the first alert"
    )
    detail = f": {event.message}" if event.message else ""
    return f"{event.kind} of {event.service} at {event.timestamp:.0f}s ({when}){detail}"
