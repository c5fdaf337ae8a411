"""Alertmanager's routing tree: which receivers an alert goes to, grouped how, timed how.

An alert enters at the root (which takes every alert) and walks down: at each node it
tries the children in order; a child whose matchers hold takes it, and the walk stops
there unless that child has ``continue`` set. A node none of whose children take the alert
keeps it itself. Every node that keeps the alert puts it in one of its aggregation groups,
chosen by the alert's values of the node's ``group_by`` labels (``...`` means all labels).
A child inherits its parent's receiver, ``group_by`` and timers unless it sets its own;
the root's unset timers are Alertmanager's defaults (30s, 5m, 4h).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dos.alerting.matchers import Matchers, format_matchers, matchers_from_config, matches_all
from dos.durations import parse_duration

if TYPE_CHECKING:
    from dos.config import RouteConfig

__all__ = ["Route", "RouteOptions"]

_GROUP_BY_ALL = "..."


@dataclass(frozen=True, slots=True)
class RouteOptions:
    """What a route does with the alerts it keeps; the timers are in seconds."""

    receiver: str
    group_by: tuple[str, ...]
    group_by_all: bool
    group_wait: float
    group_interval: float
    repeat_interval: float


_ROOT_DEFAULTS = RouteOptions("", (), False, 30.0, 300.0, 14400.0)


class Route:
    """One node of the routing tree; :meth:`from_config` builds the whole tree."""

    def __init__(
        self,
        options: RouteOptions,
        matchers: Matchers = (),
        *,
        continue_: bool = False,
        parent: Route | None = None,
    ) -> None:
        self.options = options
        self.matchers = matchers
        self.continue_ = continue_
        self.routes: list[Route] = []
        # Alertmanager names a route by its matchers and its parents': "{}/{severity="page"}".
        prefix = f"{parent.key}/" if parent is not None else ""
        self.key: str = prefix + format_matchers(matchers)

    @classmethod
    def from_config(cls, config: RouteConfig, key: str = "route") -> Route:
        """Build the tree rooted at ``config``; ``key`` names the root in errors."""
        return cls._build(config, _ROOT_DEFAULTS, None, key)

    @classmethod
    def _build(
        cls, config: RouteConfig, inherited: RouteOptions, parent: Route | None, key: str
    ) -> Route:
        """Build one node and, below it, its children."""
        options = _options(config, inherited, key)
        matchers = matchers_from_config(config.match, config.match_re, config.matchers, key)
        route = cls(options, matchers, continue_=config.continue_, parent=parent)
        route.routes = [
            cls._build(child, options, route, f"{key}.routes[{i}]")
            for i, child in enumerate(config.routes)
        ]
        return route

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """Return the routes that keep an alert with ``labels``, in tree order."""
        if not matches_all(self.matchers, labels):
            return []
        kept: list[Route] = []
        for child in self.routes:
            found = child.match(labels)
            kept.extend(found)
            if found and not child.continue_:
                break
        return kept or [self]

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        """Return the labels that choose an alert's aggregation group on this route."""
        if self.options.group_by_all:
            return dict(labels)
        return {name: labels[name] for name in self.options.group_by if name in labels}

    def walk(self) -> Iterator[Route]:
        """Yield this route and every route below it, depth first."""
        yield self
        for child in self.routes:
            yield from child.walk()

    def __repr__(self) -> str:
        return f"Route({self.key!r}, receiver={self.options.receiver!r})"


def _options(config: RouteConfig, inherited: RouteOptions, key: str) -> RouteOptions:
    """Resolve a node's options: its own values, else its parent's."""
    group_by, group_by_all = inherited.group_by, inherited.group_by_all
    if config.group_by is not None:
        group_by_all = _GROUP_BY_ALL in config.group_by
        group_by = () if group_by_all else tuple(config.group_by)

    def timer(name: str) -> float:
        value = getattr(config, name)
        if value is None:
            return float(getattr(inherited, name))
        return parse_duration(value, f"{key}.{name}")

    return RouteOptions(
        receiver=config.receiver or inherited.receiver,
        group_by=group_by,
        group_by_all=group_by_all,
        group_wait=timer("group_wait"),
        group_interval=timer("group_interval"),
        repeat_interval=timer("repeat_interval"),
    )
