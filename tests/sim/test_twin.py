"""The twin as the harness drives it: determinism, polling, ground truth, clock settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import simpy

from dos.telemetry import EventKind, TelemetryBatch
from sim.errors import ScenarioError, TimingError
from sim.scenario import Scenario
from sim.topology import Topology
from sim.twin import Twin

MakeTwin = Callable[..., Twin]
STRESS = {
    "name": "stress",
    "faults": [
        {"kind": "cpu_stress", "target": "frontend", "pod": None, "at": "2m", "params": {}},
    ],
}


def fingerprint(batch: TelemetryBatch) -> list[bytes]:
    """Return the batch's records as bytes, scrape values bit for bit."""
    out = [repr((s.timestamp, s.series)).encode() + s.values.tobytes() for s in batch.metrics]
    out += [repr(record).encode() for record in (*batch.logs, *batch.spans, *batch.events)]
    return out


def run_through(twin: Twin, until: float, every: float | None) -> TelemetryBatch:
    """Run ``twin`` to ``until``, polling every ``every`` seconds (or once at the end)."""
    batch = TelemetryBatch()
    if every is not None:

        def poller() -> Any:
            while True:
                yield twin.env.timeout(every)
                batch.extend(twin.poll(twin.env.now))

        twin.env.process(poller())
    twin.run(until)
    batch.extend(twin.poll(until))
    return batch


def test_the_same_seed_gives_byte_identical_telemetry(
    boutique: Topology, make_twin: MakeTwin
) -> None:
    first = run_through(make_twin(boutique, STRESS, seed=5, duration=300.0), 300.0, None)
    second = run_through(make_twin(boutique, STRESS, seed=5, duration=300.0), 300.0, None)
    assert fingerprint(first) == fingerprint(second)
    assert len(first.metrics) == 21
    assert first.logs
    assert first.spans
    assert first.events


def test_another_seed_gives_other_telemetry(boutique: Topology, make_twin: MakeTwin) -> None:
    first = run_through(make_twin(boutique, STRESS, seed=5, duration=120.0), 120.0, None)
    other = run_through(make_twin(boutique, STRESS, seed=6, duration=120.0), 120.0, None)
    assert fingerprint(first) != fingerprint(other)
    assert not np.array_equal(first.metrics[-1].values, other.metrics[-1].values)


def test_when_the_twin_is_polled_does_not_change_what_it_produces(
    boutique: Topology, make_twin: MakeTwin
) -> None:
    twins = [make_twin(boutique, STRESS, seed=1, duration=300.0) for _ in range(2)]
    once = run_through(twins[0], 300.0, None)
    often = run_through(twins[1], 300.0, 7.0)

    def ordered(batch: TelemetryBatch) -> list[bytes]:
        return sorted(fingerprint(batch))

    assert ordered(once) == ordered(often)
    assert twins[0].health_log() == twins[1].health_log()


def test_poll_returns_each_record_once_and_nothing_after_until(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=120.0)
    twin.run(100.0)
    early = twin.poll(50.0)
    assert [s.timestamp for s in early.metrics] == [0.0, 15.0, 30.0, 45.0]
    assert all(r.timestamp <= 50.0 for r in early.logs)
    late = twin.poll(100.0)
    assert [s.timestamp for s in late.metrics] == [60.0, 75.0, 90.0]
    assert twin.poll(100.0).metrics == []
    # Nothing exists past the clock: asking further returns what exists now.
    assert twin.poll(500.0).metrics == []


def test_pods_start_at_time_zero_as_events(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=10.0)
    events = twin.poll(0.0).events
    created = [e for e in events if e.kind is EventKind.POD_CREATED]
    assert len(created) == 5
    assert {e.timestamp for e in created} == {0.0}
    assert {e.namespace for e in events} == {"small"}


def test_ground_truth_records_a_fault_still_active_as_ended_by_the_run(
    small: Topology, make_twin: MakeTwin
) -> None:
    twin = make_twin(small, STRESS, duration=300.0)
    twin.run(200.0)
    (active,) = twin.ground_truth()
    assert (active.start, active.end, active.ended_by) == (120.0, None, None)
    twin.run(300.0)
    (record,) = twin.ground_truth()
    assert record.id == "f1"
    assert record.kind == "cpu_stress"
    assert record.service == "frontend"
    assert record.pod in {p.name for p in twin.cluster.live_pods("frontend")}
    assert record.params == {"workers": 4, "load": 100.0, "timeout": None}
    assert (record.end, record.ended_by) == (300.0, "run_end")


def test_a_stress_ends_by_its_timeout(small: Topology, make_twin: MakeTwin) -> None:
    scenario = {"name": "s", "faults": [{**STRESS["faults"][0], "params": {"timeout": "300s"}}]}
    twin = make_twin(small, scenario, duration=600.0)
    twin.run(600.0)
    (record,) = twin.ground_truth()
    assert (record.start, record.end, record.ended_by) == (120.0, 420.0, "timeout")


def test_the_seeded_pod_choice_depends_on_the_seed_only(
    boutique: Topology, make_twin: MakeTwin
) -> None:
    pods = set()
    for seed in range(8):
        twin = make_twin(boutique, STRESS, seed=seed, duration=180.0)
        twin.run(180.0)
        index = [p.name for p in twin.cluster.live_pods("frontend")].index(
            twin.ground_truth()[0].pod
        )
        again = make_twin(boutique, STRESS, seed=seed, duration=180.0)
        again.run(180.0)
        assert again.ground_truth()[0].pod == twin.ground_truth()[0].pod
        pods.add(index)
    assert len(pods) > 1


def test_a_fault_at_an_unknown_service_is_rejected_before_anything_runs(
    small: Topology,
) -> None:
    bad = {"name": "bad", "faults": [{**STRESS["faults"][0], "target": "checkout"}]}
    with pytest.raises(ScenarioError, match=r"scenario.faults\[0\].target: got 'checkout'"):
        Scenario.from_config(bad, small, "bad.yaml")


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"tick": 0.0}, "tick"),
        ({"duration": -1.0}, "duration"),
        ({"scrape_interval": 10.0, "tick": 3.0}, "scrape_interval"),
        ({"trace_rate": -0.5}, "trace_rate"),
    ],
)
def test_impossible_clock_settings_are_rejected(
    small: Topology, no_fault: dict[str, Any], settings: dict[str, float], key: str
) -> None:
    with pytest.raises(TimingError) as caught:
        Twin(small, Scenario.from_config(no_fault, small), **settings)
    assert caught.value.key == key


def test_the_harness_can_add_its_own_process_to_the_environment(
    small: Topology, no_fault: dict[str, Any], make_twin: MakeTwin
) -> None:
    twin = make_twin(small, no_fault, duration=60.0)
    assert isinstance(twin.env, simpy.Environment)
    seen: list[int] = []

    def evaluate() -> Any:
        while True:
            yield twin.env.timeout(15.0)
            seen.append(len(twin.poll(twin.env.now).metrics))

    twin.env.process(evaluate())
    twin.run(60.0)
    assert seen == [2, 1, 1]
