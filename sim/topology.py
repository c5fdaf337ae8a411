"""The system the twin models: services, their pods' resources, the call graph and journeys.

A topology file (``conf/topology/*.yaml``) names the services with their replicas, CPU and
memory requests and limits, the CPU time one request costs, the non-CPU part of its
latency, its timeout and start-up delay; the call edges (``caller: [callee, ...]``); the
user journeys, each a list of calls with how many times one journey makes them; the load at
the entry; and the cluster's action latency. :meth:`Topology.from_config` checks all of it
and raises :class:`sim.errors.TopologyError` naming the file, the key, the value and what
is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from sim.config import Section
from sim.errors import TopologyError
from sim.load import LoadProfile

__all__ = ["Call", "ClusterSettings", "Journey", "ServiceSpec", "Topology"]

_SERVICE_KEYS = (
    "replicas",
    "cpu",
    "memory",
    "latency",
    "timeout",
    "slo_p99",
    "startup_delay",
    "container",
    "port",
    "rpc",
)
_TOP_KEYS = (
    "name",
    "description",
    "namespace",
    "entry",
    "service_defaults",
    "services",
    "edges",
    "soft_edges",
    "journeys",
    "load",
    "cluster",
)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One deployment: its pods' resources and the cost and latency of one request.

    ``cpu_per_request`` is CPU time (core-seconds) one request needs; ``latency`` is the
    part of a request's own time spent off the CPU (network, I/O); ``memory_base`` is a
    pod's idle working set and ``memory_per_request`` what each in-flight request adds.
    """

    name: str
    replicas: int
    cpu_request: float
    cpu_limit: float
    cpu_idle: float
    cpu_per_request: float
    threads: int
    memory_request: float
    memory_limit: float
    memory_base: float
    memory_per_request: float
    latency: float
    timeout: float
    slo_p99: float
    startup_delay: float
    container: str
    port: int
    rpc: str


@dataclass(frozen=True, slots=True)
class Call:
    """``times`` calls from ``caller`` to ``callee``'s ``method`` in one journey."""

    caller: str
    callee: str
    method: str
    times: float


@dataclass(frozen=True, slots=True)
class Journey:
    """What one user action does: the entry ``operation`` and the calls it sets off."""

    name: str
    operation: str
    calls: tuple[Call, ...]


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """How the cluster carries actions out: after ``action_latency`` s, failing at a rate."""

    action_latency: float = 5.0
    action_failure_probability: float = 0.0
    max_replicas: int = 20


@dataclass(frozen=True)
class Topology:
    """A validated system: services in file order, call edges, journeys, load, cluster."""

    name: str
    namespace: str
    entry: str
    services: tuple[ServiceSpec, ...]
    edges: tuple[tuple[str, str], ...]
    soft_edges: frozenset[tuple[str, str]]
    journeys: tuple[Journey, ...]
    load: LoadProfile
    cluster: ClusterSettings
    source: str = "topology"

    @classmethod
    def from_config(cls, mapping: object, source: str = "topology") -> Topology:
        """Build a topology from a config mapping read from file ``source``."""
        root = Section(mapping, source=source, key="topology", error=TopologyError)
        root.only(_TOP_KEYS, required=("name", "namespace", "entry", "services"))
        services = _read_services(root)
        names = [s.name for s in services]
        entry = root.text("entry")
        if entry not in names:
            raise root.fail("entry", entry, f"one of the services: {', '.join(names)}")
        edges = _read_edges(root.section("edges"), names)
        _check_acyclic(root, edges)
        callers = {callee for _, callee in edges}
        if entry in callers:
            raise root.fail("entry", entry, "a service no other service calls")
        soft = _read_edges(root.section("soft_edges"), names)
        for i, edge in enumerate(soft):
            if edge not in edges:
                raise root.fail(f"soft_edges[{i}]", " -> ".join(edge), "one of the call edges")
        journeys = _read_journeys(root.section("journeys"), entry, set(edges))
        return cls(
            name=root.text("name"),
            namespace=root.text("namespace"),
            entry=entry,
            services=services,
            edges=tuple(edges),
            soft_edges=frozenset(soft),
            journeys=journeys,
            load=LoadProfile.from_section(root.section("load"), [j.name for j in journeys]),
            cluster=_read_cluster(root.section("cluster")),
            source=source,
        )

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Service names in file order (the model's service index)."""
        return tuple(s.name for s in self.services)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Service names with every callee before its callers."""
        done: list[str] = []
        pending = list(self.names)
        while pending:
            ready = [s for s in pending if all(c in done for c in self.callees(s))]
            done.extend(ready)
            pending = [s for s in pending if s not in ready]
        return tuple(done)

    def index(self, name: str) -> int:
        """Return the index of service ``name``."""
        return self.names.index(name)

    def service(self, name: str) -> ServiceSpec:
        """Return the spec of service ``name``."""
        return self.services[self.index(name)]

    def callees(self, name: str) -> list[str]:
        """Return the services ``name`` calls."""
        return [callee for caller, callee in self.edges if caller == name]


def _read_services(root: Section) -> tuple[ServiceSpec, ...]:
    """Read every service, each over the file's ``service_defaults``."""
    defaults = root.section("service_defaults")
    defaults.only(_SERVICE_KEYS)
    services = root.section("services")
    if not services.data:
        raise root.fail("services", services.data, "at least one service")
    return tuple(
        _read_service(str(name), _merged(defaults, services.section(str(name))))
        for name in services.data
    )


def _merged(defaults: Section, own: Section) -> Section:
    """Overlay a service's settings on the defaults, nested mappings key by key."""
    data: dict[str, object] = dict(defaults.data)
    for key, value in own.data.items():
        base = data.get(key)
        if isinstance(base, Mapping) and isinstance(value, Mapping):
            data[key] = {**base, **value}
        else:
            data[key] = value
    return Section(data, source=own.source, key=own.key, error=own.error)


def _read_service(name: str, section: Section) -> ServiceSpec:
    """Read one service's settings."""
    section.only(_SERVICE_KEYS, required=("replicas", "cpu", "memory"))
    cpu = section.section("cpu")
    cpu.only(("request", "limit", "idle", "time_per_request", "threads"), required=("limit",))
    memory = section.section("memory")
    memory.only(("request", "limit", "base", "per_request"), required=("limit", "base"))
    limit = cpu.cpu("limit")
    request = cpu.cpu("request", limit)
    if request > limit:
        raise cpu.fail("request", cpu.raw("request"), f"at most the limit ({limit:g} cores)")
    memory_limit = memory.memory("limit")
    base = memory.memory("base")
    if base >= memory_limit:
        raise memory.fail("base", memory.raw("base"), "less than the memory limit")
    return ServiceSpec(
        name=name,
        replicas=section.integer("replicas", minimum=1),
        cpu_request=request,
        cpu_limit=limit,
        cpu_idle=cpu.cpu("idle", "5m"),
        cpu_per_request=cpu.duration("time_per_request", "1ms", positive=True),
        threads=cpu.integer("threads", 4, minimum=1),
        memory_request=memory.memory("request", memory_limit),
        memory_limit=memory_limit,
        memory_base=base,
        memory_per_request=memory.memory("per_request", "64Ki"),
        latency=section.duration("latency", "1ms"),
        timeout=section.duration("timeout", "3s", positive=True),
        slo_p99=section.duration("slo_p99", "500ms", positive=True),
        startup_delay=section.duration("startup_delay", "30s"),
        container=section.text("container", "server"),
        port=section.integer("port", 8080, minimum=1),
        rpc=str(section.raw("rpc", "")),
    )


def _read_edges(section: Section, names: list[str]) -> list[tuple[str, str]]:
    """Read ``caller: [callee, ...]`` edges between known services."""
    section.only(names)
    edges: list[tuple[str, str]] = []
    for caller in section.data:
        for callee in section.names(str(caller), allowed=names):
            if callee == caller or (caller, callee) in edges:
                raise section.fail(str(caller), callee, "distinct callees other than the caller")
            edges.append((str(caller), callee))
    return edges


def _check_acyclic(root: Section, edges: list[tuple[str, str]]) -> None:
    """Reject a call graph with a cycle, naming one."""
    graph: dict[str, list[str]] = {}
    for caller, callee in edges:
        graph.setdefault(caller, []).append(callee)

    def visit(node: str, path: list[str]) -> None:
        """Walk the callees of ``node``, reached along ``path``."""
        if node in path:
            cycle = " -> ".join([*path[path.index(node) :], node])
            raise root.fail("edges", cycle, "an acyclic call graph")
        for callee in graph.get(node, []):
            visit(callee, [*path, node])

    for start in graph:
        visit(start, [])


def _read_journeys(
    section: Section, entry: str, edges: set[tuple[str, str]]
) -> tuple[Journey, ...]:
    """Read each journey; its calls must follow edges from services the journey reaches."""
    if not section.data:
        raise section.invalid(section.data, "at least one journey")
    journeys = []
    for name in section.data:
        body = section.section(str(name))
        body.only(("operation", "calls"), required=("operation",))
        calls = tuple(_read_call(call, edges) for call in body.sections("calls"))
        reached = {entry} | {call.callee for call in calls}
        for i, call in enumerate(calls):
            if call.caller not in reached:
                raise body.fail(f"calls[{i}].from", call.caller, "a service this journey reaches")
        journeys.append(Journey(str(name), body.text("operation"), calls))
    return tuple(journeys)


def _read_call(section: Section, edges: set[tuple[str, str]]) -> Call:
    """Read one call of a journey; it must follow a declared edge."""
    section.only(("from", "to", "method", "times"), required=("from", "to", "method"))
    caller, callee = section.text("from"), section.text("to")
    if (caller, callee) not in edges:
        allowed = ", ".join(sorted(f"{a} -> {b}" for a, b in edges))
        raise section.fail("to", callee, f"a callee of {caller} along an edge ({allowed})")
    return Call(caller, callee, section.text("method"), section.number("times", 1, positive=True))


def _read_cluster(section: Section) -> ClusterSettings:
    """Read how the cluster answers actions."""
    section.only(("action_latency", "action_failure_probability", "max_replicas"))
    return ClusterSettings(
        action_latency=section.duration("action_latency", "5s"),
        action_failure_probability=section.number(
            "action_failure_probability", 0.0, minimum=0.0, maximum=1.0
        ),
        max_replicas=section.integer("max_replicas", 20, minimum=1),
    )
