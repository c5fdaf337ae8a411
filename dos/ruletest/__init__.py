"""promtool-format rule unit tests (``promtool test rules``), run with DOS's rule engine.

:func:`run_test_file` reads a test file (:mod:`dos.ruletest.spec`), runs its test groups
as promtool 2.42 runs them (:mod:`dos.ruletest.runner`) and returns the failures worded
as promtool words them (:mod:`dos.ruletest.report`), so that the same file gives the same
verdict and the same messages under both.
"""

from __future__ import annotations

from dos.ruletest.runner import RuleTestOutcome, run_test_file
from dos.ruletest.spec import RuleTestError, RuleTestFile, load_test_file

__all__ = ["RuleTestError", "RuleTestFile", "RuleTestOutcome", "load_test_file", "run_test_file"]
