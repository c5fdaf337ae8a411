"""Load: the entry rate over time and the journey mix turned into per-service rates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.topology import Topology
from sim.traffic import Traffic
from sim.twin import Twin


def test_the_mix_is_online_boutiques_load_generator_weights(boutique: Topology) -> None:
    assert dict(boutique.load.mix) == {
        "index": 1,
        "setCurrency": 2,
        "browseProduct": 10,
        "addToCart": 2,
        "viewCart": 3,
        "checkout": 1,
    }
    assert 60 <= boutique.load.rate <= 100


def test_per_service_rates_follow_the_journeys_calls(small: Topology) -> None:
    # read (weight 3): frontend -> api once, api -> db twice; write (1): once each.
    per_entry = Traffic.of(small).per_entry_request()
    assert per_entry.tolist() == pytest.approx([1.0, 1.0, (3 * 2 + 1) / 4])


def test_the_boutique_checkout_alone_reaches_payment_and_email(boutique: Topology) -> None:
    per_entry = Traffic.of(boutique).per_entry_request()
    checkout_share = 1 / 19
    for name in ("checkoutservice", "paymentservice", "emailservice"):
        assert per_entry[boutique.index(name)] == pytest.approx(checkout_share)


def test_the_diurnal_curve_stays_within_its_amplitude(boutique: Topology) -> None:
    times = np.linspace(0, 86400, 97)
    rate = boutique.load.rate_at(times)
    amplitude = boutique.load.diurnal_amplitude
    assert rate.max() == pytest.approx(boutique.load.rate * (1 + amplitude), rel=1e-3)
    assert rate.min() == pytest.approx(boutique.load.rate * (1 - amplitude), rel=1e-3)
    assert rate[0] == pytest.approx(boutique.load.rate)


def test_a_rate_modifier_scales_the_rate_where_it_acts(small: Topology) -> None:
    class Double:
        def factor(self, times: np.ndarray) -> np.ndarray:
            return np.where(times >= 100, 2.0, 1.0)

    load = small.load.with_modifier(Double())
    assert load.rate_at(np.array([50.0, 150.0])).tolist() == [small.load.rate, 2 * small.load.rate]


def test_simulated_request_counts_match_the_mix(
    boutique: Topology,
    no_fault: dict[str, Any],
    make_twin: Callable[..., Twin],
    samples: Any,
) -> None:
    twin = make_twin(boutique, no_fault, duration=600.0)
    twin.run(600.0)
    scrapes = samples(twin.poll(600.0).metrics)
    per_entry = Traffic.of(boutique).per_entry_request()
    entry = scrapes.increase("http_requests_total", 0.0, 600.0, service="frontend")
    assert entry / 600.0 == pytest.approx(boutique.load.rate, rel=0.03)
    for name in boutique.names:
        served = scrapes.increase("http_requests_total", 0.0, 600.0, service=name)
        assert served / entry == pytest.approx(per_entry[boutique.index(name)], rel=0.1), name
