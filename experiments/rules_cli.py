"""``dos-rules``: check Prometheus rule files and run their unit tests, as promtool does.

``dos-rules check FILE...`` validates rule files (``promtool check rules``) and
``dos-rules test FILE...`` runs promtool-format unit-test files with DOS's own rule engine
(``promtool test rules``). Both print what promtool prints, in the same places (progress
on stdout, failures on stderr), and exit 0 when everything passed and 1 otherwise, so the
two tools can replace each other in a CI script.

Every other entry point of the project is a Hydra app; this one mirrors promtool's command
line instead (positional files, no ``key=value`` overrides), so it is built on argparse.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from dos.detect.rulefile import check_rule_file
from dos.ruletest import run_test_file

__all__ = ["check_rules", "main", "test_rules"]

SUCCESS = 0
FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse, failing with promtool's exit code (1) rather than 2."""

    def error(self, message: str) -> NoReturn:
        """Print the usage problem and exit as promtool does."""
        self.exit(FAILURE, f"{self.prog}: error: {message}, try --help\n")


def check_rules(paths: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Validate rule files; report as ``promtool check rules`` does."""
    failed = False
    for path in paths:
        print(f"Checking {path}", file=out)
        groups, errors = check_rule_file(path)
        if errors:
            print("  FAILED:", file=err)
            for error in errors:
                print(error, file=err)
            failed = True
        else:
            count = sum(len(g.rules) for g in groups)
            print(f"  SUCCESS: {count} rules found", file=out)
        print(file=out)
    return FAILURE if failed else SUCCESS


def test_rules(paths: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Run unit-test files; report as ``promtool test rules`` does."""
    failed = False
    for path in paths:
        print("Unit Testing: ", path, file=out)
        outcome = run_test_file(path)
        if outcome.passed:
            print("  SUCCESS", file=out)
        else:
            print("  FAILED:", file=err)
            for failure in outcome.failures:
                print(failure, file=err)
                print(file=out)
            failed = True
        print(file=out)
    return FAILURE if failed else SUCCESS


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dos-rules`` with ``argv`` (the process arguments by default)."""
    parser = _Parser(prog="dos-rules", description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser("check", help="check rule files (promtool check rules)")
    check.add_argument("files", nargs="+", metavar="FILE", help="rule files")
    test = commands.add_parser("test", help="run rule unit tests (promtool test rules)")
    test.add_argument("files", nargs="+", metavar="FILE", help="unit-test files")
    args = parser.parse_args(argv)
    for path in args.files:
        if not Path(path).exists():
            parser.error(f"path '{path}' does not exist")
    # Rule-evaluation warnings are reported in the failures; keep them off the output.
    logging.getLogger("dos").setLevel(logging.ERROR)
    run = check_rules if args.command == "check" else test_rules
    return run(args.files, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
