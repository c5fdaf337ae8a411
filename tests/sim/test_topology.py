"""Topology files: what the shipped ones hold and how a bad one is rejected."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sim.errors import TopologyError
from sim.topology import Topology

SOURCE = "conf/topology/boutique.yaml"
Conf = Callable[[str, str], dict[str, Any]]


def test_boutique_has_online_boutiques_services_and_fifteen_edges(boutique: Topology) -> None:
    assert set(boutique.names) == {
        "frontend",
        "cartservice",
        "productcatalogservice",
        "currencyservice",
        "paymentservice",
        "shippingservice",
        "emailservice",
        "checkoutservice",
        "recommendationservice",
        "adservice",
        "redis-cart",
    }
    assert len(boutique.edges) == 15
    assert set(boutique.callees("checkoutservice")) == {
        "cartservice",
        "currencyservice",
        "emailservice",
        "paymentservice",
        "productcatalogservice",
        "shippingservice",
    }
    assert boutique.callees("cartservice") == ["redis-cart"]
    assert boutique.entry == "frontend"
    assert boutique.namespace == "boutique"


def test_boutique_uses_the_manifests_resources(boutique: Topology) -> None:
    frontend = boutique.service("frontend")
    assert (frontend.replicas, frontend.cpu_limit, frontend.memory_limit) == (3, 0.2, 128 * 2**20)
    assert boutique.service("cartservice").cpu_limit == pytest.approx(0.3)
    assert boutique.service("recommendationservice").memory_limit == 450 * 2**20
    assert boutique.service("adservice").memory_limit == 300 * 2**20
    redis = boutique.service("redis-cart")
    assert (redis.replicas, redis.cpu_limit, redis.memory_limit) == (1, 0.125, 256 * 2**20)
    assert all(20 <= s.startup_delay <= 40 for s in boutique.services)


def test_order_puts_every_callee_before_its_callers(boutique: Topology) -> None:
    position = {name: i for i, name in enumerate(boutique.order)}
    for caller, callee in boutique.edges:
        assert position[callee] < position[caller]


def test_small_is_a_three_service_chain(small: Topology) -> None:
    assert small.names == ("frontend", "api", "db")
    assert small.edges == (("frontend", "api"), ("api", "db"))


def reject(data: dict[str, Any]) -> TopologyError:
    with pytest.raises(TopologyError) as caught:
        Topology.from_config(data, SOURCE)
    return caught.value


def test_an_unknown_key_is_rejected_naming_file_key_and_allowed(conf: Conf) -> None:
    data = conf("topology", "boutique")
    data["services"]["frontend"]["replica"] = 3
    error = reject(data)
    assert error.source == SOURCE
    assert error.key == "topology.services.frontend.replica"
    assert error.value == 3
    assert "replicas" in error.expected
    assert str(error).startswith(f"{SOURCE}: topology.services.frontend.replica: got 3")


def test_an_edge_to_an_unknown_service_is_rejected(conf: Conf) -> None:
    data = conf("topology", "boutique")
    data["edges"]["frontend"].append("billing")
    error = reject(data)
    assert error.key == "topology.edges.frontend[7]"
    assert error.value == "billing"
    assert "redis-cart" in error.expected


def test_a_cycle_is_rejected_naming_it(conf: Conf) -> None:
    data = conf("topology", "small")
    data["edges"]["db"] = ["frontend"]
    with pytest.raises(TopologyError) as caught:
        Topology.from_config(data, "small.yaml")
    assert caught.value.key == "topology.edges"
    assert caught.value.value == "frontend -> api -> db -> frontend"
    assert caught.value.expected == "an acyclic call graph"


@pytest.mark.parametrize("replicas", [0, -2, 1.5, "3"])
def test_replicas_below_one_or_not_whole_are_rejected(conf: Conf, replicas: object) -> None:
    data = conf("topology", "boutique")
    data["services"]["cartservice"]["replicas"] = replicas
    error = reject(data)
    assert error.key == "topology.services.cartservice.replicas"
    assert error.value == replicas


@pytest.mark.parametrize(("resource", "value"), [("cpu", "0m"), ("cpu", -1), ("memory", "0Mi")])
def test_a_limit_of_zero_or_less_is_rejected(conf: Conf, resource: str, value: object) -> None:
    data = conf("topology", "small")
    data["services"]["api"][resource] = {**data["service_defaults"][resource], "limit": value}
    with pytest.raises(TopologyError) as caught:
        Topology.from_config(data, "small.yaml")
    assert caught.value.key == f"topology.services.api.{resource}.limit"
    assert caught.value.value == value
    assert "above 0" in caught.value.expected


def test_a_request_above_its_limit_is_rejected(conf: Conf) -> None:
    data = conf("topology", "small")
    data["services"]["db"]["cpu"] = {"request": "300m", "limit": "250m"}
    with pytest.raises(TopologyError, match=r"topology.services.db.cpu.request: got '300m'"):
        Topology.from_config(data, "small.yaml")


def test_a_journey_call_off_the_graph_is_rejected(conf: Conf) -> None:
    data = conf("topology", "small")
    data["journeys"]["read"]["calls"].append({"from": "frontend", "to": "db", "method": "Peek"})
    with pytest.raises(TopologyError) as caught:
        Topology.from_config(data, "small.yaml")
    assert caught.value.key == "topology.journeys.read.calls[2].to"
    assert "frontend -> api" in caught.value.expected


def test_a_mix_naming_an_unknown_journey_is_rejected(conf: Conf) -> None:
    data = conf("topology", "boutique")
    data["load"]["mix"]["logout"] = 1
    error = reject(data)
    assert error.key == "topology.load.mix.logout"
    assert "browseProduct" in error.expected


def test_a_bad_duration_is_rejected_with_what_is_allowed(conf: Conf) -> None:
    data = copy.deepcopy(conf("topology", "boutique"))
    data["services"]["adservice"]["startup_delay"] = "forty seconds"
    error = reject(data)
    assert error.key == "topology.services.adservice.startup_delay"
    assert "'90s'" in error.expected
