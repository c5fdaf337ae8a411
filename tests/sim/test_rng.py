"""Seed streams: one per component name, independent of the order they are asked for."""

from __future__ import annotations

import pytest

from sim.rng import SeedStreams


def test_a_stream_depends_on_its_name_not_on_which_streams_came_before() -> None:
    first = SeedStreams(3)
    first.generator("spans")
    early = first.generator("load.arrivals").random(5)
    late = SeedStreams(3).generator("load.arrivals").random(5)
    assert early.tolist() == late.tolist()


def test_streams_differ_by_name_and_by_seed() -> None:
    a = SeedStreams(3).generator("logs").random(3).tolist()
    assert a != SeedStreams(3).generator("spans").random(3).tolist()
    assert a != SeedStreams(4).generator("logs").random(3).tolist()


def test_a_negative_seed_is_rejected() -> None:
    with pytest.raises(ValueError, match="seed: got -1"):
        SeedStreams(-1)
