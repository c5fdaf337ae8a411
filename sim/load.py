"""The load offered at the system's entry: arrival rate over time and the user-journey mix.

The rate is a baseline times a gentle diurnal curve times any number of *modifiers*
(a traffic spike, a ramp); the twin draws Poisson arrivals per tick from it. The journey mix
(Online Boutique's load generator weights: browse a product ten times as often as checking
out) decides which calls each arrival makes; :mod:`sim.traffic` turns it into per-service
rates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from sim.config import Section

__all__ = ["LoadProfile", "RateModifier"]

FloatArray = NDArray[np.float64]


class RateModifier(Protocol):
    """Scales the entry rate over some span of time (a spike, a ramp, an outage of users)."""

    def factor(self, times: FloatArray) -> FloatArray:
        """Return the multiplier of the rate at each of ``times`` (1 where it does not act)."""
        ...


@dataclass(frozen=True)
class LoadProfile:
    """Arrivals at the entry service: ``rate`` req/s, a diurnal curve and a journey mix.

    The diurnal curve is ``1 + amplitude * cos(2 pi (t - peak) / period)``; with the default
    peak six hours after the start the curve crosses its mean at ``t = 0`` and rises slowly,
    so an hour-long run sees a few percent of drift.
    """

    rate: float
    mix: Mapping[str, float]
    diurnal_amplitude: float = 0.05
    diurnal_period: float = 86400.0
    diurnal_peak: float = 21600.0
    modifiers: tuple[RateModifier, ...] = field(default=())

    @classmethod
    def from_section(cls, section: Section, journeys: list[str]) -> LoadProfile:
        """Read ``load`` settings; every journey of the mix must be one of ``journeys``."""
        section.only(
            ("rate", "mix", "diurnal_amplitude", "diurnal_period", "diurnal_peak"),
            required=("rate", "mix"),
        )
        mix_section = section.section("mix")
        mix_section.only(journeys)
        mix = {name: mix_section.number(name, minimum=0.0) for name in mix_section.data}
        if not any(mix.values()):
            raise section.fail("mix", dict(mix_section.data), "at least one weight above 0")
        return cls(
            rate=section.number("rate", positive=True),
            mix=mix,
            diurnal_amplitude=section.number("diurnal_amplitude", 0.05, minimum=0.0, maximum=1.0),
            diurnal_period=section.duration("diurnal_period", "24h", positive=True),
            diurnal_peak=section.duration("diurnal_peak", "6h"),
        )

    def with_modifier(self, modifier: RateModifier) -> LoadProfile:
        """Return this profile with ``modifier`` applied on top of the others."""
        return LoadProfile(
            self.rate,
            self.mix,
            self.diurnal_amplitude,
            self.diurnal_period,
            self.diurnal_peak,
            (*self.modifiers, modifier),
        )

    def rate_at(self, times: FloatArray) -> FloatArray:
        """Return the expected arrival rate (req/s) at each of ``times``."""
        phase = 2.0 * math.pi * (times - self.diurnal_peak) / self.diurnal_period
        rate = self.rate * (1.0 + self.diurnal_amplitude * np.cos(phase))
        for modifier in self.modifiers:
            rate = rate * modifier.factor(times)
        return np.maximum(rate, 0.0)

    def expected(self, start: float, ticks: int, tick: float) -> FloatArray:
        """Return the expected arrivals in each of ``ticks`` ticks from ``start``."""
        middles = start + (np.arange(ticks, dtype=np.float64) + 0.5) * tick
        return self.rate_at(middles) * tick

    def journey_weights(self, journeys: list[str]) -> FloatArray:
        """Return the mix as probabilities in the order of ``journeys``."""
        weights = np.array([self.mix.get(name, 0.0) for name in journeys], dtype=np.float64)
        result: FloatArray = weights / weights.sum()
        return result
