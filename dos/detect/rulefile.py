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

from dos.detect.rules import AlertingRule, RecordingRule, Rule, RuleGroup
from dos.errors import DOSError, QueryError, RuleFileError
from dos.promql.compile import compile_expr

__all__ = ["load_rule_file", "load_rule_files", "parse_rule_duration"]

_GROUP_KEYS = ("name", "interval", "limit", "rules")
_RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Prometheus' model.Duration: whole numbers of each unit, largest first.
_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_UNIT_SECONDS = (31_536_000, 604_800, 86_400, 3_600, 60, 1, 0.001)


def parse_rule_duration(text: str) -> float | None:
    """Parse a duration as Prometheus' rule files do (``1h30m``, ``0``); ``None`` if invalid."""
    if text == "0":
        return 0.0
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    return float(
        sum(int(n) * unit for n, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if n)
    )


def load_rule_files(
    paths: Iterable[str | Path], *, default_interval: float = 60.0
) -> list[RuleGroup]:
    """Read every rule file in ``paths``; groups without ``interval`` get ``default_interval``."""
    return [g for path in paths for g in load_rule_file(path, default_interval=default_interval)]


def load_rule_file(path: str | Path, *, default_interval: float = 60.0) -> list[RuleGroup]:
    """Read one rule file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(name, "file", f"cannot read it: {exc}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise RuleFileError(name, where, f"invalid YAML: {exc}") from exc
    if root is None:
        return []
    return _File(name, default_interval).groups(root)


class _File:
    def __init__(self, path: str, default_interval: float) -> None:
        self.path = path
        self.default_interval = default_interval

    def error(self, where: str, node: yaml.Node, reason: str) -> RuleFileError:
        """Return the error for ``node``, naming the file, the place and the line."""
        return RuleFileError(self.path, f"{where} (line {node.start_mark.line + 1})", reason)

    def mapping(self, node: yaml.Node, where: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]:
        """Return a mapping node as a dict, refusing unknown and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(where, node, "expected a mapping")
        out: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = self.scalar(key_node, where)
            if keys and key not in keys:
                raise self.error(
                    where, key_node, f"unknown key {key!r}; allowed: {', '.join(keys)}"
                )
            if key in out:
                raise self.error(where, key_node, f"key {key!r} is repeated")
            out[key] = value
        return out

    def scalar(self, node: yaml.Node, where: str) -> str:
        """Return a scalar node's text (empty for null)."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(where, node, "expected a single value")
        return "" if node.tag == "tag:yaml.org,2002:null" else str(node.value)

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        """Return a list node's items (none for null)."""
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(where, node, "expected a list")
        return list(node.value)

    def groups(self, root: yaml.Node) -> list[RuleGroup]:
        """Read the ``groups`` of the file."""
        top = self.mapping(root, "top level", ("groups",))
        groups = []
        seen: set[str] = set()
        for i, node in enumerate(
            self.sequence(top["groups"], "groups") if "groups" in top else []
        ):
            group = self.group(i, node)
            if group.name in seen:
                raise self.error(f"groups[{i}]", node, f"group name {group.name!r} is repeated")
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
        rules = [self.rule(f"{where}, rule {i + 1}", n) for i, n in enumerate(nodes)]
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

    def is_null(self, node: yaml.Node) -> bool:
        """Tell whether a node is YAML null."""
        return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"

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
            if key in fields:
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
