"""Hundreds of generated rule tests: DOS's alerts must equal promtool's at every evaluation.

See ``conftest.py`` for how a case is checked. A failure names the case, its rules and
promtool's report (expression, time, what DOS expected and what Prometheus got).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = [pytest.mark.promtool, pytest.mark.slow]

ADVERSARIAL_SEED = 4
ADVERSARIAL_CASES = 300
TWIN_SEED = 7
TWIN_CASES = 12

Differential = Callable[[list[Any]], list[Any]]


def _failures(outcomes: list[Any]) -> list[str]:
    return [
        f"case {o.case.name} (DOS rule errors: {o.errors or 'none'}):\n"
        f"{o.case.rule_file()}\n{o.report}"
        for o in outcomes
        if o.report
    ]


def test_adversarial_cases_agree_with_promtool(
    generators: Any, differential: Differential
) -> None:
    outcomes = differential(generators.adversarial(ADVERSARIAL_SEED, ADVERSARIAL_CASES))
    failures = _failures(outcomes)
    assert not failures, f"{len(failures)} of {len(outcomes)} cases disagree:\n" + "\n".join(
        failures[:5]
    )
    # The cases must exercise what they are for, not agree on silence.
    states = [o.states() for o in outcomes]
    assert sum("firing" in s for s in states) > len(outcomes) // 2
    assert sum("pending" in s for s in states) > len(outcomes) // 5


def test_twin_cases_agree_with_promtool(generators: Any, differential: Differential) -> None:
    outcomes = differential(generators.twin(TWIN_SEED, TWIN_CASES))
    failures = _failures(outcomes)
    assert not failures, f"{len(failures)} of {len(outcomes)} cases disagree:\n" + "\n".join(
        failures[:5]
    )
    assert sum("firing" in o.states() for o in outcomes) > len(outcomes) // 2


def test_cases_depend_on_their_seed_only(generators: Any) -> None:
    first = generators.adversarial(11, 3)
    again = generators.adversarial(11, 3)
    other = generators.adversarial(12, 3)
    assert [c.rule_file() for c in first] == [c.rule_file() for c in again]
    assert [c.series for c in first] == [c.series for c in again]
    assert [c.series for c in first] != [c.series for c in other]
