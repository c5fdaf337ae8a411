from __future__ import annotations

from dos.alerting.route import Route
from dos.config import RouteConfig

CPU = {"alertname": "CPUHigh", "namespace": "shop", "service": "frontend", "pod": "f-1"}


def tree() -> Route:
    return Route.from_config(
        RouteConfig(
            receiver="default",
            group_by=["alertname"],
            routes=[
                RouteConfig(
                    receiver="db",
                    match={"service": "redis-cart"},
                    group_wait="10s",
                    routes=[RouteConfig(receiver="db-page", matchers=['severity="critical"'])],
                ),
                RouteConfig(receiver="audit", matchers=['alertname=~"CPU.*"'], continue_=True),
                RouteConfig(receiver="frontend", match_re={"service": "front.*"}),
                RouteConfig(receiver="never", match_re={"service": "front.*"}),
            ],
        )
    )


def receivers(route: Route, labels: dict[str, str]) -> list[str]:
    return [r.options.receiver for r in route.match(labels)]


def test_the_first_matching_child_takes_the_alert_and_the_walk_stops_there() -> None:
    assert receivers(tree(), {"alertname": "Down", "service": "frontend"}) == ["frontend"]


def test_continue_lets_the_walk_go_on_to_the_next_siblings() -> None:
    assert receivers(tree(), CPU) == ["audit", "frontend"]


def test_an_alert_no_child_takes_stays_with_the_deepest_matching_route() -> None:
    assert receivers(tree(), {"alertname": "Down", "service": "cart"}) == ["default"]
    assert receivers(tree(), {"alertname": "Down", "service": "redis-cart"}) == ["db"]
    critical = {"alertname": "Down", "service": "redis-cart", "severity": "critical"}
    assert receivers(tree(), critical) == ["db-page"]


def test_children_inherit_what_they_leave_unset_and_the_root_has_alertmanagers_timers() -> None:
    root = tree()
    db, page = root.routes[0], root.routes[0].routes[0]
    assert (root.options.group_wait, root.options.group_interval) == (30.0, 300.0)
    assert root.options.repeat_interval == 4 * 3600.0
    assert (db.options.group_wait, db.options.group_by) == (10.0, ("alertname",))
    assert (page.options.group_wait, page.options.group_interval) == (10.0, 300.0)
    assert page.options.receiver == "db-page"


def test_a_route_is_keyed_by_its_matchers_and_its_parents() -> None:
    root = tree()
    assert root.key == "{}"
    assert root.routes[0].routes[0].key == '{}/{service="redis-cart"}/{severity="critical"}'


def test_group_labels_take_the_group_by_labels_present_or_every_label_with_dots() -> None:
    by_some = Route.from_config(RouteConfig(receiver="r", group_by=["alertname", "cluster"]))
    assert by_some.group_labels(CPU) == {"alertname": "CPUHigh"}
    by_all = Route.from_config(RouteConfig(receiver="r", group_by=["..."]))
    assert by_all.group_labels(CPU) == CPU
    by_none = Route.from_config(RouteConfig(receiver="r"))
    assert by_none.group_labels(CPU) == {}


def test_walk_visits_every_route_depth_first() -> None:
    assert [r.options.receiver for r in tree().walk()] == [
        "default",
        "db",
        "db-page",
        "audit",
        "frontend",
        "never",
    ]
