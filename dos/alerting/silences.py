"""Silences: an operator's "do not notify me about these alerts from then to then".

A silence has label matchers, a start and an end, who created it and why (Alertmanager's
API requires both). It is pending before its start, active from its start to its end
(both included, as in Alertmanager 0.25) and expired after. An active silence mutes every
alert its matchers select, firing or resolved. A maintenance window is a silence.
Expiring a silence ends it just before the time of the call, so that it mutes nothing
from that instant on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from dos.alerting.matchers import Matchers, format_matchers, matches_all, parse_matchers
from dos.errors import ConfigError, DOSError
from dos.tsdb import Matcher, MatchOp

__all__ = [
    "MatcherSpec",
    "Silence",
    "SilenceError",
    "SilenceState",
    "Silences",
    "as_matchers",
    "check_silence_matchers",
]

MatcherSpec = str | Sequence[str] | Mapping[str, str] | Matchers
"""Matchers as text (``'{service="cart"}'``), lines of text, equalities, or parsed."""


class SilenceError(DOSError, LookupError):
    """A silence cannot be found, or cannot be expired any more."""


class SilenceState(StrEnum):
    """Where a silence stands at a given time."""

    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Silence:
    """Mute alerts matching ``matchers`` from ``starts_at`` to ``ends_at``."""

    id: str
    matchers: Matchers
    starts_at: float
    ends_at: float
    created_by: str
    comment: str

    def state(self, t: float) -> SilenceState:
        """Tell whether the silence is pending, active or expired at ``t``."""
        if t < self.starts_at:
            return SilenceState.PENDING
        if t > self.ends_at:
            return SilenceState.EXPIRED
        return SilenceState.ACTIVE

    def mutes(self, labels: Mapping[str, str], t: float) -> bool:
        """Tell whether the silence mutes an alert with ``labels`` at ``t``."""
        return self.state(t) is SilenceState.ACTIVE and matches_all(self.matchers, labels)

    def describe(self) -> str:
        """Word the silence for a log line or a note."""
        return (
            f"silence {self.id} {format_matchers(self.matchers)} until {self.ends_at:g}s "
            f"by {self.created_by}: {self.comment}"
        )


def as_matchers(spec: MatcherSpec, key: str) -> Matchers:
    """Turn any :data:`MatcherSpec` into parsed matchers; ``key`` names it in errors."""
    if isinstance(spec, str):
        return parse_matchers(spec, key)
    if isinstance(spec, Mapping):
        return tuple(Matcher(name, MatchOp.EQUAL, value) for name, value in spec.items())
    out: list[Matcher] = []
    for i, item in enumerate(spec):
        if isinstance(item, str):
            out.extend(parse_matchers(item, f"{key}[{i}]"))
        elif isinstance(item, Matcher):
            out.append(item)
        else:
            raise ConfigError(f"{key}[{i}]", item, 'a matcher or its text, e.g. service="cart"')
    return tuple(out)


def check_silence_matchers(matchers: Sequence[Matcher], key: str) -> None:
    """Refuse what Alertmanager refuses: no matcher, or only matchers the empty string meets.

    A silence whose every matcher matches ``""`` would mute alerts that lack the labels
    altogether, which is almost never what its author meant.
    """
    if not matchers:
        raise ConfigError(key, list(matchers), "at least one matcher")
    if all(m.matches("") for m in matchers):
        text = format_matchers(matchers)
        raise ConfigError(key, text, "at least one matcher that does not match the empty string")


class Silences:
    """Every silence created so far, with ids ``silence-0001``, ``silence-0002``, ..."""

    def __init__(self) -> None:
        self._by_id: dict[str, Silence] = {}

    def __iter__(self) -> Iterator[Silence]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, silence_id: str) -> Silence:
        """Return the silence ``silence_id``."""
        try:
            return self._by_id[silence_id]
        except KeyError:
            raise SilenceError(f"silence {silence_id!r}: no such silence") from None

    def add(
        self,
        matchers: MatcherSpec,
        starts_at: float,
        ends_at: float,
        *,
        created_by: str,
        comment: str,
        key: str = "silence",
    ) -> Silence:
        """Create a silence; it is refused, naming the field, as Alertmanager's API would."""
        parsed = as_matchers(matchers, f"{key}.matchers")
        check_silence_matchers(parsed, f"{key}.matchers")
        if not math.isfinite(starts_at) or not ends_at > starts_at:
            raise ConfigError(f"{key}.ends_at", ends_at, f"a time after starts_at ({starts_at})")
        for name, text in (("created_by", created_by), ("comment", comment)):
            if not text.strip():
                raise ConfigError(f"{key}.{name}", text, "a non-empty text")
        silence_id = f"silence-{len(self._by_id) + 1:04d}"
        silence = Silence(
            silence_id, parsed, float(starts_at), float(ends_at), created_by, comment
        )
        self._by_id[silence_id] = silence
        return silence

    def expire(self, silence_id: str, now: float) -> Silence:
        """End a silence at ``now``; a pending one never starts, an expired one is refused."""
        silence = self.get(silence_id)
        state = silence.state(now)
        if state is SilenceState.EXPIRED:
            raise SilenceError(f"silence {silence_id!r}: already expired at {now:g}s")
        # Ends are inclusive: end the silence on the last representable time before now.
        before = math.nextafter(now, -math.inf)
        start = before if state is SilenceState.PENDING else silence.starts_at
        expired = replace(silence, starts_at=start, ends_at=before)
        self._by_id[silence_id] = expired
        return expired

    def muting(self, labels: Mapping[str, str], t: float) -> tuple[str, ...]:
        """Return the ids of the silences that mute an alert with ``labels`` at ``t``."""
        return tuple(s.id for s in self._by_id.values() if s.mutes(labels, t))
