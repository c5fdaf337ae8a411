"""Prometheus rule files (``groups:`` YAML) read into :class:`~dos.detect.rules.RuleGroup`.

The checks are those of Prometheus 2.42's ``promtool check rules``: unknown or repeated
keys, a rule with both or neither of ``alert`` and ``record``, a missing or unparsable
``expr`` (or one this engine cannot evaluate), bad durations, invalid names, fields a
recording rule may not have, and templates outside the supported subset. Each error is a
:class:`~dos.errors.RuleFileError` naming the file, the group and rule (by position and
name) with the line, and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from dos.detect.modelduration import parse_model_duration
from dos.detect.rules import AlertingRule, RecordingRule, Rule, RuleGroup
from dos.detect.yamlnodes import NodeReader, compose_file
from dos.errors import DOSError, QueryError, RuleFileError
from dos.promql.compile import compile_expr

__all__ = ["check_rule_file", "load_rule_file", "load_rule_files", "parse_rule_duration"]

_GROUP_KEYS = ("name", "interval", "limit", "rules")
_RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_rule_duration(text: str) -> float | None:
    """Parse a duration as Prometheus' rule files do (``1h30m``, ``0``); ``None`` if invalid."""
    return parse_model_duration(text)


def load_rule_files(
    paths: Iterable[str | Path], *, default_interval: float = 60.0
) -> list[RuleGroup]:
    """Read every rule file in ``paths``; groups without ``interval`` get ``default_interval``."""
    return [g for path in paths for g in load_rule_file(path, default_interval=default_interval)]


def load_rule_file(path: str | Path, *, default_interval: float = 60.0) -> list[RuleGroup]:
    """Read one rule file; raise the first mistake in it."""
    groups, errors = check_rule_file(path, default_interval=default_interval)
    if errors:
        raise errors[0]
    return groups


def check_rule_file(
    path: str | Path, *, default_interval: float = 60.0
) -> tuple[list[RuleGroup], list[RuleFileError]]:
    """Read one rule file, collecting every mistake (as ``promtool check rules`` lists them).

    Returns the groups read and the errors; a mistake in a rule skips that rule, one in a
    group's own fields skips the group, and unreadable YAML stops at once.
    """
    name = str(path)
    try:
        root = compose_file(path, RuleFileError)
        if root is None:
            return [], []
        reader = _File(name, default_interval)
        return reader.groups(root), reader.errors
    except RuleFileError as exc:
        return [], [exc]


class _File(NodeReader[RuleFileError]):
    def __init__(self, path: str, default_interval: float) -> None:
        super().__init__(path, RuleFileError)
        self.default_interval = default_interval
        self.errors: list[RuleFileError] = []

    def groups(self, root: yaml.Node) -> list[RuleGroup]:
        """Read the ``groups`` of the file; a bad group is recorded and skipped."""
        top = self.mapping(root, "top level", ("groups",))
        groups = []
        seen: set[str] = set()
        nodes = self.sequence(top["groups"], "groups") if "groups" in top else []
        for i, node in enumerate(nodes):
            try:
                group = self.group(i, node)
            except RuleFileError as exc:
                self.errors.append(exc)
                continue
            if group.name in seen:
                self.errors.append(
                    self.error(f"groups[{i}]", node, f"group name {group.name!r} is repeated")
                )
            seen.add(group.name)
            groups.append(group)
        return groups

    def group(self, index: int, node: yaml.Node) -> RuleGroup:
        """Read one group."""
        where = f"groups[{index}]"
        fields = self.mapping(node, where, _GROUP_KEYS)
        name = self.scalar(fields["name"], where) if "name" in fields else ""
        if not name:
            raise self.error(where, node, "the group's 'name' must be set and not empty")
        where = f"group {name!r}"
        interval = self.default_interval
        if "interval" in fields:
            interval = self.duration(fields["interval"], where, "interval") or interval
        limit = self.limit(fields, where)
        rules_node = fields.get("rules")
        nodes = self.sequence(rules_node, where) if rules_node is not None else []
        rules = []
        for i, rule_node in enumerate(nodes):
            try:
                rules.append(self.rule(f"{where}, rule {i + 1}", rule_node))
            except RuleFileError as exc:
                self.errors.append(exc)
        return RuleGroup(name, interval, rules, limit)

    def limit(self, fields: dict[str, yaml.Node], where: str) -> int:
        """Read a group's ``limit``."""
        if "limit" not in fields:
            return 0
        text = self.scalar(fields["limit"], where)
        if not re.fullmatch(r"\d+", text):
            raise self.error(where, fields["limit"], f"limit {text!r} is not a whole number")
        return int(text)

    def duration(self, node: yaml.Node, where: str, key: str) -> float:
        """Read a duration field in Prometheus' notation."""
        text = self.scalar(node, where)
        seconds = parse_rule_duration(text)
        if seconds is None:
            raise self.error(
                where, node, f"{key} {text!r} is not a valid duration (such as 30s, 5m, 1h30m)"
            )
        return seconds

    def rule(self, where: str, node: yaml.Node) -> Rule:
        """Read one rule, alerting or recording."""
        fields = self.mapping(node, where, _RULE_KEYS)
        text = {
            k: self.scalar(fields[k], where) for k in ("record", "alert", "expr") if k in fields
        }
        alert, record = text.get("alert", ""), text.get("record", "")
        if alert and record:
            raise self.error(where, node, "only one of 'record' and 'alert' may be set")
        if not alert and not record:
            raise self.error(where, node, "one of 'record' or 'alert' must be set")
        where = f"{where} ({'alert' if alert else 'record'} {alert or record!r})"
        expr = text.get("expr", "")
        if not expr:
            raise self.error(where, node, "field 'expr' must be set")
        self.check_expr(where, fields["expr"], expr)
        labels = self.names(fields, "labels", where)
        if record:
            return self.recording(where, node, fields, record, expr, labels)
        annotations = self.names(fields, "annotations", where)
        return self.alerting(where, node, fields, alert, expr, labels, annotations)

    def check_expr(self, where: str, node: yaml.Node, expr: str) -> None:
        """Refuse an expression this engine cannot parse or evaluate."""
        try:
            compile_expr(expr)
        except QueryError as exc:
            raise self.error(where, node, f"could not parse expression: {exc.reason}") from exc

    def names(self, fields: dict[str, yaml.Node], key: str, where: str) -> dict[str, str]:
        """Read ``labels`` or ``annotations``, checking their names."""
        if key not in fields or self.is_null(fields[key]):
            return {}
        pairs = self.mapping(fields[key], f"{where} {key}", ())
        out = {}
        for name, value in pairs.items():
            if not _LABEL_NAME.fullmatch(name) or (key == "labels" and name == "__name__"):
                raise self.error(where, fields[key], f"invalid {key[:-1]} name: {name!r}")
            out[name] = self.scalar(value, f"{where} {key}")
        return out

    def is_empty(self, node: yaml.Node, key: str, where: str) -> bool:
        """Tell whether a field holds nothing: no annotations, or a zero duration."""
        if key == "annotations":
            return not self.mapping(node, f"{where} {key}", ())
        return self.is_null(node) or self.duration(node, where, key) == 0

    def recording(
        self,
        where: str,
        node: yaml.Node,
        fields: dict[str, yaml.Node],
        record: str,
        expr: str,
        labels: dict[str, str],
    ) -> RecordingRule:
        for key in ("annotations", "for", "keep_firing_for"):
            # As in Prometheus, a zero duration or empty annotations are no field at all.
            if key in fields and not self.is_empty(fields[key], key, where):
                raise self.error(where, fields[key], f"invalid field {key!r} in recording rule")
        if not _METRIC_NAME.fullmatch(record):
            raise self.error(where, node, f"invalid recording rule name: {record!r}")
        return RecordingRule(record, expr, labels)

    def alerting(
        self,
        where: str,
        node: yaml.Node,
        fields: dict[str, yaml.Node],
        alert: str,
        expr: str,
        labels: dict[str, str],
        annotations: dict[str, str],
    ) -> AlertingRule:
        for_ = self.duration(fields["for"], where, "for") if "for" in fields else 0.0
        keep = fields.get("keep_firing_for")
        keep_for = self.duration(keep, where, "keep_firing_for") if keep is not None else 0.0
        try:
            return AlertingRule(alert, expr, for_, keep_for, labels, annotations)
        except DOSError as exc:
            raise self.error(where, node, str(exc)) from exc
