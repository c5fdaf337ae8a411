"""Scores of hand-built runs: each case states its timeline and the numbers it must give."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from dos.actions import ActionKind
from dos.detect.alert import AlertState, AlertTransition
from dos.remediation.audit import AuditRecord, AuditStatus
from experiments import scoring, tables

ORIGIN = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
HOUR = 3600.0


@dataclass
class Fault:
    id: str
    kind: str
    service: str
    start: float
    end: float | None
    pod: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    ended_by: str | None = None


@dataclass
class Verdict:
    timestamp: float
    service: str
    healthy: bool
    reason: str = ""


@dataclass
class Audit:
    action_id: str
    incident_id: str | None
    kind: str
    service: str
    submitted_at: float
    actor: str = "dos"
    status: str = "accepted"
    pod: str | None = None
    replicas: int | None = None
    reason: str = ""
    message: str = ""


def ground_truth(*faults: Fault) -> pd.DataFrame:
    return tables.ground_truth_table(faults, ORIGIN)


def health(
    every: float = 15.0, end: float = HOUR, **sick: Sequence[tuple[float, float]]
) -> pd.DataFrame:
    """Verdicts every ``every`` s for each named service, unhealthy inside its spans."""
    verdicts = []
    for service, spans in sick.items():
        t = 0.0
        while t < end:
            bad = any(a <= t < b for a, b in spans)
            verdicts.append(Verdict(t, service, not bad, "error rate" if bad else ""))
            t += every
    return tables.health_table(verdicts, ORIGIN)


def episode(
    name: str, service: str | None, fired: float, resolved: float | None = None
) -> list[AlertTransition]:
    """An alert's changes: pending a minute before ``fired``, inactive at ``resolved``."""
    labels = {"alertname": name, "severity": "warning", "namespace": "boutique"}
    if service is not None:
        labels["service"] = service
    changes = [
        AlertTransition(fired - 60, labels, AlertState.INACTIVE, AlertState.PENDING, 90.0),
        AlertTransition(fired, labels, AlertState.PENDING, AlertState.FIRING, 92.0),
    ]
    if resolved is not None:
        changes.append(
            AlertTransition(resolved, labels, AlertState.FIRING, AlertState.INACTIVE, 40.0)
        )
    return changes


def alerts(*episodes: Iterable[AlertTransition]) -> pd.DataFrame:
    changes = sorted((c for e in episodes for c in e), key=lambda c: c.timestamp)
    return tables.alerts_table(changes, ORIGIN)


def actions(*records: Audit) -> pd.DataFrame:
    return tables.actions_table(records, ORIGIN)


def incident(
    id: str,
    service: str,
    opened: float,
    *,
    acknowledged: float | None = None,
    resolved: float | None = None,
    rca: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    return {
        "id": id,
        "service": service,
        "opened_at": opened,
        "acknowledged_at": acknowledged,
        "resolved_at": resolved,
        "rca": [{"service": s, "cause": c, "confidence": 0.8} for s, c in rca],
    }


def score(
    faults: pd.DataFrame,
    verdicts: pd.DataFrame,
    changes: pd.DataFrame,
    incidents: Sequence[Mapping[str, Any]] = (),
    audit: pd.DataFrame | None = None,
    *,
    sim_seconds: float = HOUR,
) -> tuple[scoring.RunScores, list[scoring.FaultScore]]:
    return scoring.score_run(
        faults,
        verdicts,
        changes,
        list(incidents),
        actions() if audit is None else audit,
        sim_seconds=sim_seconds,
        wall_seconds=2.0,
        stable_for=120.0,
        grace=300.0,
    )


def test_cpu_stress_walkthrough_gives_each_time_from_the_fault_start() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1050.0)),
        [
            incident(
                "INC-1",
                "cart",
                930.0,
                acknowledged=990.0,
                resolved=1200.0,
                rca=[("cart", "cpu_saturation"), ("frontend", "latency")],
            )
        ],
        actions(Audit("a1", "INC-1", "scale", "cart", 960.0, replicas=4)),
    )

    assert fault.affected == ("cart",)
    assert fault.recovered_at == 1005.0
    assert (fault.ttd_s, fault.tta_s, fault.ttm_s) == (330.0, 390.0, 360.0)
    assert (fault.ttr_s, fault.dos_resolved_s) == (405.0, 600.0)
    assert fault.first_alert == "CPUHigh"
    assert fault.auto_remediated
    assert (run.detected, run.missed, run.recall, run.precision) == (1, 0, 1.0, 1.0)
    assert (run.mttd_s, run.mttd_median_s, run.mttd_p90_s) == (330.0, 330.0, 330.0)
    assert (run.mtta_s, run.mttm_s, run.mttr_s, run.mean_dos_resolved_s) == (
        390.0,
        360.0,
        405.0,
        600.0,
    )
    assert (run.rca_top1, run.rca_top3, run.rca_cause_accuracy) == (1.0, 1.0, 1.0)
    assert (run.auto_remediated, run.false_alerts, run.speedup) == (1.0, 0, 1800.0)


def test_quiet_run_has_no_fault_scores_and_counts_every_alert_as_false() -> None:
    run, faults = score(
        ground_truth(),
        health(cart=[]),
        alerts(episode("LatencyHigh", "frontend", 1200.0, 1260.0)),
    )

    assert faults == []
    assert (run.faults, run.recall, run.mttd_s, run.mttr_s, run.auto_remediated) == (
        0,
        None,
        None,
        None,
        None,
    )
    assert (run.alert_episodes, run.false_alerts, run.precision) == (1, 1, 0.0)
    assert run.false_alerts_per_day == pytest.approx(24.0)


def test_fault_without_alerts_is_missed_and_precision_is_undefined() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1200.0)]),
        alerts(),
    )

    assert not fault.detected
    assert fault.ttd_s is None
    assert (run.detected, run.missed, run.recall, run.precision) == (0, 1, 0.0, None)
    assert (run.mttd_s, run.false_alerts_per_day) == (None, 0.0)


def test_alert_still_firing_at_run_end_detects_and_lasts_until_the_end() -> None:
    changes = alerts(episode("ErrorRateHigh", "cart", 2000.0))
    run, (fault,) = score(
        ground_truth(Fault("f1", "bad_deploy", "cart", 1800.0, None)),
        health(cart=[(1830.0, HOUR)]),
        changes,
    )

    (row,) = scoring.alert_episodes(changes, HOUR).itertuples(index=False)
    assert (row.firing_at, row.resolved_at, row.still_firing) == (2000.0, HOUR, True)
    assert fault.ttd_s == 200.0
    assert fault.recovered_at is None
    assert (run.unrecovered, run.mttr_s, run.precision) == (1, None, 1.0)


def test_alert_resolved_before_the_fault_began_is_false() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(
            episode("CPUHigh", "cart", 100.0, 200.0), episode("CPUHigh", "cart", 930.0, 1050.0)
        ),
    )

    assert fault.ttd_s == 330.0
    assert (run.alert_episodes, run.false_alerts, run.precision) == (2, 1, 0.5)
    assert run.false_alerts_per_day == pytest.approx(24.0)


def test_several_episodes_for_one_fault_make_one_detection_timed_by_the_first() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(
            episode("LatencyHigh", "cart", 700.0, 760.0),
            episode("CPUHigh", "cart", 930.0, 1050.0),
            episode("LatencyHigh", "cart", 1000.0, 1100.0),
        ),
    )

    assert (fault.ttd_s, fault.first_alert) == (100.0, "LatencyHigh")
    assert (run.detected, run.alert_episodes, run.false_alerts, run.precision) == (1, 3, 0, 1.0)


def test_overlapping_faults_on_one_service_are_each_timed_from_their_own_start() -> None:
    run, (cpu, leak) = score(
        ground_truth(
            Fault("f1", "cpu_stress", "cart", 600.0, 1500.0),
            Fault("f2", "memory_leak", "cart", 900.0, 1200.0),
        ),
        health(cart=[(660.0, 1500.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1500.0)),
    )

    assert (cpu.ttd_s, leak.ttd_s) == (330.0, 30.0)
    assert cpu.recovered_at == leak.recovered_at == 1500.0
    assert (run.detected, run.mttd_s, run.mttr_s) == (2, 180.0, 750.0)


def test_unrecovered_fault_is_counted_but_not_averaged_into_mttr() -> None:
    run, (short, stuck) = score(
        ground_truth(
            Fault("f1", "cpu_stress", "cart", 600.0, 900.0),
            Fault("f2", "memory_leak", "payment", 1800.0, None),
        ),
        health(cart=[(630.0, 930.0)], payment=[(2400.0, HOUR)]),
        alerts(),
    )

    assert (short.ttr_s, stuck.ttr_s) == (330.0, None)
    assert (run.recovered, run.unrecovered, run.mttr_s) == (1, 1, 330.0)


def test_recovery_waits_for_a_stable_period_across_flapping_verdicts() -> None:
    _, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 810.0), (870.0, 900.0)]),
        alerts(),
    )

    assert fault.recovered_at == 900.0


def test_recovery_whose_stable_period_ends_after_the_run_is_unrecovered() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 3000.0, None)),
        health(cart=[(3030.0, 3540.0)]),
        alerts(),
    )

    assert fault.recovered_at is None
    assert run.unrecovered == 1


def test_slow_fault_recovers_after_it_hurt_not_at_its_start() -> None:
    _, (fault,) = score(
        ground_truth(Fault("f1", "memory_leak", "cart", 600.0, None)),
        health(cart=[(1500.0, 1695.0)]),
        alerts(episode("MemoryHigh", "cart", 1410.0, 1700.0)),
    )

    assert fault.impacted
    assert fault.recovered_at == 1695.0
    assert fault.ttd_s == 810.0


def test_fault_that_never_hurt_is_detectable_but_left_out_of_recovery_scores() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 900.0)),
        health(cart=[]),
        alerts(episode("CPUHigh", "cart", 800.0, 950.0)),
    )

    assert not fault.impacted
    assert (fault.recovered_at, fault.ttr_s, fault.ttd_s) == (None, None, 200.0)
    assert (run.no_impact, run.recovered, run.unrecovered, run.mttr_s) == (1, 0, 0, None)
    assert run.auto_remediated is None


def test_an_alert_whose_for_outlasts_the_harm_still_detects_while_the_cause_lasts() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1800.0)),
        health(cart=[(600.0, 660.0)]),
        alerts(episode("CPUHigh", "cart", 960.0, 1815.0)),
    )

    assert fault.recovered_at == 660.0
    assert (fault.detected, fault.ttd_s) == (True, 360.0)
    assert (run.false_alerts, run.precision) == (0, 1.0)


def test_with_the_call_graph_a_fault_is_not_charged_with_another_faults_harm() -> None:
    faults = ground_truth(
        Fault("f1", "cpu_stress", "frontend", 600.0, 1800.0),
        Fault("f2", "cpu_stress", "cart", 720.0, 1800.0),
    )
    sick = health(frontend=[(615.0, 1000.0)], cart=[(735.0, 1400.0)])
    changes = alerts(episode("CPUHigh", "frontend", 900.0), episode("CPUHigh", "cart", 1065.0))
    opened = [incident("INC-1", "frontend", 900.0), incident("INC-2", "cart", 1065.0)]
    callers = {"cart": {"frontend"}}

    _, (f1, f2) = scoring.score_run(
        faults, sick, changes, opened, actions(), sim_seconds=HOUR, wall_seconds=1.0,
        callers=callers,
    )  # fmt: skip

    assert (f1.affected, f2.affected) == (("frontend",), ("cart", "frontend"))
    assert (f1.recovered_at, f2.recovered_at) == (1005.0, 1410.0)
    assert (f1.incident_id, f2.incident_id) == ("INC-1", "INC-2")


def test_upstream_service_that_turned_unhealthy_is_affected_and_its_alert_detects() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "dependency_outage", "cart", 600.0, 1200.0)),
        health(cart=[(615.0, 1200.0)], frontend=[(645.0, 1215.0)], email=[]),
        alerts(
            episode("ErrorRateHigh", "frontend", 750.0, 1230.0),
            episode("ErrorRateHigh", "email", 800.0, 860.0),
        ),
    )

    assert fault.affected == ("cart", "frontend")
    assert fault.recovered_at == 1215.0
    assert (fault.ttd_s, fault.first_alert) == (150.0, "ErrorRateHigh")
    assert (run.false_alerts, run.precision) == (1, 0.5)


def test_alert_without_service_label_is_true_inside_a_fault_window_only() -> None:
    run, _ = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(
            episode("TargetDown", None, 700.0, 760.0), episode("TargetDown", None, 2500.0, 2560.0)
        ),
    )

    assert (run.alert_episodes, run.false_alerts, run.detected) == (2, 1, 0)


def test_human_action_before_recovery_means_not_auto_remediated() -> None:
    audit = actions(
        Audit("a1", "INC-1", "scale", "cart", 960.0, replicas=4),
        Audit("a2", "INC-1", "restart", "cart", 980.0, actor="oncall"),
        Audit("a3", "INC-1", "scale", "cart", 990.0, status="blocked", replicas=12),
        Audit("a4", None, "drain", "email", 2000.0, status="failed"),
    )
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1050.0)),
        [incident("INC-1", "cart", 930.0)],
        audit,
    )

    assert not fault.auto_remediated
    assert fault.ttm_s == 360.0
    assert (run.auto_remediated, run.actions_total, run.actions_rejected) == (0.0, 4, 1)
    assert (run.guardrail_trips, run.actions_failed) == (1, 1)


def test_rejected_dos_action_alone_neither_mitigates_nor_remediates() -> None:
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1050.0)),
        [incident("INC-1", "cart", 930.0)],
        actions(Audit("a1", "INC-1", "scale", "cart", 960.0, status="rejected", replicas=40)),
    )

    assert (fault.ttm_s, fault.auto_remediated) == (None, False)
    assert (run.mttm_s, run.actions_rejected, run.guardrail_trips) == (None, 1, 0)


def test_confirmed_audit_record_of_dos_counts_as_an_action_that_took_effect() -> None:
    record = AuditRecord(
        action_id="a1",
        incident_id="INC-1",
        kind=ActionKind.SCALE,
        namespace="boutique",
        service="cart",
        pod=None,
        replicas=4,
        reason="cpu_saturation on cart",
        submitted_at=960.0,
        status=AuditStatus.CONFIRMED,
        confirmed_at=1000.0,
    )
    run, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1050.0)),
        [incident("INC-1", "cart", 930.0)],
        tables.actions_table([record], ORIGIN),
    )

    assert (fault.ttm_s, fault.auto_remediated) == (360.0, True)
    assert (run.auto_remediated, run.actions_rejected) == (1.0, 0)


def test_rca_accuracy_counts_rank_and_cause_over_faults_with_an_incident() -> None:
    run, (cpu, leak, spike) = score(
        ground_truth(
            Fault("f1", "cpu_stress", "cart", 600.0, 900.0),
            Fault("f2", "memory_leak", "payment", 1500.0, 1800.0),
            Fault("f3", "traffic_spike", "frontend", 2400.0, 2700.0),
        ),
        health(cart=[(630.0, 930.0)], payment=[(1530.0, 1830.0)], frontend=[(2430.0, 2730.0)]),
        alerts(
            episode("CPUHigh", "cart", 700.0, 930.0),
            episode("MemoryHigh", "payment", 1600.0, 1830.0),
        ),
        [
            incident("INC-1", "cart", 700.0, rca=[("cart", "cpu_saturation")]),
            incident("INC-2", "payment", 1600.0, rca=[("checkout", "latency"), ("payment", "x")]),
        ],
    )

    assert (cpu.rca_rank, leak.rca_rank, spike.rca_rank) == (1, 2, None)
    assert (cpu.cause_correct, leak.cause_correct, spike.cause_correct) == (True, False, None)
    assert (run.incidents, run.rca_top1, run.rca_top3, run.rca_cause_accuracy) == (
        2,
        0.5,
        1.0,
        0.5,
    )


def test_incident_times_are_read_from_its_history_when_no_time_keys_are_given() -> None:
    record = {
        "id": "INC-7",
        "service": "cart",
        "history": [
            {"state": "detected", "timestamp": 940.0},
            {"state": "acknowledged", "timestamp": 1000.0},
            {"state": "resolved", "timestamp": 1500.0},
        ],
        "rca": {"candidates": [{"service": "cart", "cause": "cpu_saturation"}]},
    }
    _, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1050.0)),
        [record],
    )

    assert (fault.incident_id, fault.tta_s, fault.dos_resolved_s) == ("INC-7", 400.0, 900.0)
    assert fault.rca_rank == 1


def test_incident_opened_outside_the_detection_window_is_not_matched() -> None:
    _, (fault,) = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(),
        [incident("INC-0", "cart", 300.0), incident("INC-9", "cart", 1600.0)],
    )

    assert fault.incident_id is None


def test_episodes_are_cut_at_each_resolution_of_one_label_set() -> None:
    changes = alerts(
        episode("CPUHigh", "cart", 600.0, 700.0),
        episode("CPUHigh", "cart", 900.0, 960.0),
        episode("CPUHigh", "ad", 650.0, 800.0),
    )

    frame = scoring.alert_episodes(changes, HOUR)

    spans = list(zip(frame["service"], frame["firing_at"], frame["resolved_at"], strict=True))
    assert spans == [("cart", 600.0, 700.0), ("ad", 650.0, 800.0), ("cart", 900.0, 960.0)]
    assert not frame["still_firing"].any()


def test_scores_are_json_ready_with_the_documented_keys() -> None:
    run, faults = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 930.0, 1050.0)),
    )

    data = json.loads(json.dumps(run.to_dict()))
    for key in (
        "faults",
        "detected",
        "missed",
        "recall",
        "precision",
        "false_alerts_per_day",
        "mttd_s",
        "mttr_s",
        "unrecovered",
        "rca_top1",
        "auto_remediated",
        "sim_seconds",
        "wall_seconds",
    ):
        assert key in data
    assert type(data["faults"]) is int
    assert (data["mttd_s"], data["rca_top1"], data["failed_requests"]) == (330.0, None, None)
    assert json.loads(json.dumps(faults[0].to_dict()))["affected"] == ["cart"]
    assert list(scoring.fault_frame(faults)["ttd_s"]) == [330.0]


def test_missing_column_is_rejected_naming_table_and_column() -> None:
    verdicts = health(cart=[]).drop(columns=["healthy"])

    with pytest.raises(scoring.ScoreInputError, match=r"health table: no column 'healthy'"):
        score(ground_truth(), verdicts, alerts())


def test_episode_resolved_the_instant_it_fired_counts_at_that_instant() -> None:
    run, _ = score(
        ground_truth(Fault("f1", "cpu_stress", "cart", 600.0, 1200.0)),
        health(cart=[(660.0, 1005.0)]),
        alerts(episode("CPUHigh", "cart", 700.0, 700.0), episode("CPUHigh", "ad", 2000.0, 2000.0)),
    )

    assert (run.alert_episodes, run.false_alerts, run.detected) == (2, 1, 1)
