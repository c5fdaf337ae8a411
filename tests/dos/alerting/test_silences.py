from __future__ import annotations

import pytest

from dos.alerting.silences import MatcherSpec, Silence, SilenceError, Silences, SilenceState
from dos.errors import ConfigError

FRONTEND = {"alertname": "CPUHigh", "service": "frontend"}


def add(
    silences: Silences,
    matchers: MatcherSpec = 'service="frontend"',
    start: float = 100.0,
    end: float = 200.0,
) -> Silence:
    return silences.add(matchers, start, end, created_by="ops", comment="deploy")


def test_a_silence_is_pending_then_active_with_both_ends_included_then_expired() -> None:
    silence = add(Silences())
    states = [silence.state(t) for t in (99.0, 100.0, 150.0, 200.0, 200.5)]
    assert states == [
        SilenceState.PENDING,
        SilenceState.ACTIVE,
        SilenceState.ACTIVE,
        SilenceState.ACTIVE,
        SilenceState.EXPIRED,
    ]


def test_only_an_active_silence_whose_matchers_hold_mutes() -> None:
    silences = Silences()
    first = add(silences)
    add(silences, {"service": "cart"})
    assert silences.muting(FRONTEND, 150.0) == (first.id,)
    assert silences.muting(FRONTEND, 250.0) == ()
    assert silences.muting({"service": "payment"}, 150.0) == ()
    assert [s.id for s in silences] == ["silence-0001", "silence-0002"]


def test_expiring_an_active_silence_ends_it_before_the_call() -> None:
    silences = Silences()
    silence = add(silences)
    expired = silences.expire(silence.id, 150.0)
    assert expired.state(150.0) is SilenceState.EXPIRED
    assert expired.starts_at == 100.0
    assert silences.get(silence.id) == expired
    with pytest.raises(SilenceError, match="already expired"):
        silences.expire(silence.id, 160.0)


def test_expiring_a_pending_silence_means_it_never_starts() -> None:
    silences = Silences()
    expired = silences.expire(add(silences).id, 50.0)
    assert [expired.state(t) for t in (50.0, 150.0)] == [SilenceState.EXPIRED] * 2
    with pytest.raises(SilenceError, match="no such silence"):
        silences.get("silence-0009")


@pytest.mark.parametrize(
    ("matchers", "problem"),
    [
        ([], "at least one matcher"),
        ('team=~".*"', "does not match the empty string"),
        ({"team": ""}, "does not match the empty string"),
    ],
)
def test_a_silence_needs_a_matcher_that_does_not_match_everything(
    matchers: MatcherSpec, problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem) as caught:
        add(Silences(), matchers)
    assert caught.value.key == "silence.matchers"


def test_a_silence_needs_an_end_after_its_start_an_author_and_a_comment() -> None:
    with pytest.raises(ConfigError, match=r"silence\.ends_at: got 100\.0"):
        add(Silences(), start=100.0, end=100.0)
    with pytest.raises(ConfigError, match=r"silence\.created_by"):
        Silences().add('a="b"', 0.0, 1.0, created_by=" ", comment="why")
    with pytest.raises(ConfigError, match=r"silence\.comment"):
        Silences().add('a="b"', 0.0, 1.0, created_by="ops", comment="")


def test_matchers_may_be_text_lines_equalities_or_parsed() -> None:
    silences = Silences()
    a = add(silences, 'service="frontend", alertname=~"CPU.*"')
    b = add(silences, ['service="frontend"', 'alertname=~"CPU.*"'])
    c = add(silences, b.matchers)
    assert a.matchers == b.matchers == c.matchers
    assert "by ops: deploy" in a.describe()
