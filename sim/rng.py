"""Seed streams: one independent random generator per named component of a run.

Every draw the twin makes comes from a :class:`numpy.random.Generator` taken from
:class:`SeedStreams`. A stream is keyed by its *name*, not by the order streams are asked
for: the name is hashed into the ``spawn_key`` of a child of ``SeedSequence(seed)``, which
is what ``SeedSequence.spawn`` does with a counter. Adding a component (a new fault, a new
emitter) therefore never shifts the draws of the others, and the same seed gives the same
draws whatever order the components start in.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["SeedStreams"]


class SeedStreams:
    """Hands out one generator per component name, all derived from one run seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed: got {seed!r}, expected an integer of zero or more")
        self.seed = seed

    def generator(self, name: str) -> np.random.Generator:
        """Return a fresh generator for component ``name`` (same name, same draws)."""
        return np.random.default_rng(self.sequence(name))

    def sequence(self, name: str) -> np.random.SeedSequence:
        """Return the seed sequence of component ``name``."""
        digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
        return np.random.SeedSequence(self.seed, spawn_key=(int.from_bytes(digest, "little"),))
