"""The cluster: deployments, their pods, and what happens to pods over time.

Pods are named as a ReplicaSet names them (``frontend-<template hash>-<suffix>``) and go
from *starting* (running, not ready, no traffic) to *ready* after their service's start-up
delay. A drained pod keeps running but leaves the load balancer; a deleted pod is gone, and
its ReplicaSet creates a replacement. A rolling restart or a rollback replaces the pods one
at a time, surging one new pod and deleting an old one once the new one is ready (the
Deployment defaults, maxSurge 25 % and maxUnavailable 25 %, round to that for a handful of
replicas). Every change is recorded as a :class:`dos.telemetry.TimelineEvent` carrying the
causing action's id.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from dos.telemetry import EventKind, Level, LogRecord, TimelineEvent
from sim.topology import ServiceSpec, Topology

__all__ = ["Cluster", "ClusterObserver", "Deployment", "Pod"]

logger = logging.getLogger(__name__)

# Kubernetes draws pod-name suffixes and template hashes from this alphabet (no vowels).
_ALPHABET = np.array(list("bcdfghjklmnpqrstvwxz2456789"))


class ClusterObserver(Protocol):
    """Told before and after every change to the pods (the twin keeps its model in step)."""

    def before_change(self) -> None:
        """Bring everything that depends on the pods up to the current time."""
        ...

    def after_change(self) -> None:
        """Take note that pods were created, became ready, were drained or deleted."""
        ...

    def pod_deleted(self, pod: Pod) -> None:
        """Take note that ``pod`` terminated (whatever ran inside it ends)."""
        ...


@dataclass(eq=False)
class Pod:
    """One pod of a deployment."""

    uid: int
    name: str
    service: str
    ip: str
    revision: int
    created_at: float
    ready_at: float | None = None
    deleted_at: float | None = None
    drained: bool = False

    @property
    def alive(self) -> bool:
        """Tell whether the pod still runs."""
        return self.deleted_at is None

    @property
    def ready(self) -> bool:
        """Tell whether the pod has started and still runs."""
        return self.ready_at is not None and self.deleted_at is None

    @property
    def serving(self) -> bool:
        """Tell whether the load balancer sends the pod traffic."""
        return self.ready and not self.drained


@dataclass
class Deployment:
    """A service's desired replicas and its revisions (each a pod-template hash)."""

    spec: ServiceSpec
    replicas: int
    revision: int = 1
    templates: dict[int, str] = field(default_factory=dict)
    history: list[int] = field(default_factory=list)


class Cluster:
    """Deployments and pods, changed by actions and observed by the twin."""

    def __init__(
        self,
        topology: Topology,
        env: simpy.Environment,
        rng: np.random.Generator,
        observer: ClusterObserver,
    ) -> None:
        self.topology = topology
        self.namespace = topology.namespace
        self.env = env
        self.pods: list[Pod] = []
        self.events: list[TimelineEvent] = []
        self.logs: list[LogRecord] = []
        self._rng = rng
        self._observer = observer
        self.deployments = {s.name: Deployment(s, s.replicas) for s in topology.services}
        for deployment in self.deployments.values():
            deployment.templates[1] = self._random_name(10)
            deployment.history.append(1)

    def start(self) -> None:
        """Create every deployment's pods, ready at time 0 (the system runs when we arrive)."""
        for name, deployment in self.deployments.items():
            for _ in range(deployment.replicas):
                pod = self._new_pod(name, None)
                pod.ready_at = self.env.now
                self._event(EventKind.POD_READY, name, pod, "Ready", "Pod is ready", None)
        self._observer.after_change()

    def live_pods(self, service: str) -> list[Pod]:
        """Return the running pods of ``service``, oldest first."""
        return [p for p in self.pods if p.service == service and p.alive]

    def find(self, service: str, name: str) -> Pod | None:
        """Return running pod ``name`` of ``service``, if there is one."""
        return next((p for p in self.live_pods(service) if p.name == name), None)

    def template(self, service: str) -> str:
        """Return the current pod-template hash of ``service``."""
        deployment = self.deployments[service]
        return deployment.templates[deployment.revision]

    def create_pod(self, service: str, action_id: str | None) -> Pod:
        """Start a new pod of ``service``; it becomes ready after the start-up delay."""
        self._observer.before_change()
        pod = self._new_pod(service, action_id)
        self._observer.after_change()
        self.env.process(self._become_ready(pod, action_id))
        return pod

    def delete_pod(self, pod: Pod, action_id: str | None, *, replace: bool = True) -> None:
        """Terminate ``pod``; with ``replace`` its ReplicaSet restores the replica count."""
        self._observer.before_change()
        pod.deleted_at = self.env.now
        self._observer.pod_deleted(pod)
        message = "Stopping container"
        self._event(EventKind.POD_DELETED, pod.service, pod, "Killing", message, action_id)
        self._observer.after_change()
        if replace:
            self.reconcile(pod.service, action_id)

    def drain(self, pod: Pod, action_id: str | None) -> None:
        """Take ``pod`` out of the load balancer; it keeps running."""
        self._observer.before_change()
        pod.drained = True
        message = "Removed from the service's endpoints; the pod keeps running"
        self._event(EventKind.DRAINED, pod.service, pod, "Drained", message, action_id)
        self._observer.after_change()

    def scale(self, service: str, replicas: int, action_id: str | None) -> None:
        """Set the desired replicas of ``service`` and create or remove pods to match."""
        self._observer.before_change()
        deployment = self.deployments[service]
        before = deployment.replicas
        deployment.replicas = replicas
        direction = "up" if replicas > before else "down" if replicas < before else "(unchanged)"
        template = f"{service}-{self.template(service)}"
        message = f"Scaled {direction} replica set {template} from {before} to {replicas}"
        self._event(EventKind.SCALING, service, None, "ScalingReplicaSet", message, action_id)
        self.reconcile(service, action_id)

    def reconcile(self, service: str, action_id: str | None) -> None:
        """Create or delete pods until ``service`` runs its desired replicas (newest go first)."""
        pods = self.live_pods(service)
        wanted = self.deployments[service].replicas
        for _ in range(wanted - len(pods)):
            self.create_pod(service, action_id)
        for pod in sorted(pods, key=lambda p: p.uid, reverse=True)[: max(len(pods) - wanted, 0)]:
            self.delete_pod(pod, action_id, replace=False)

    def restart(self, service: str, action_id: str | None) -> None:
        """Roll every pod of ``service`` onto a new revision, one at a time."""
        self._observer.before_change()
        deployment = self.deployments[service]
        revision = max(deployment.templates) + 1
        deployment.templates[revision] = self._random_name(10)
        deployment.history.append(revision)
        deployment.revision = revision
        message = f"Restarting deployment {service} (revision {revision})"
        self._event(EventKind.RESTART, service, None, "RollingRestart", message, action_id)
        self.env.process(self._roll(service, action_id))

    def can_roll_back(self, service: str) -> bool:
        """Tell whether ``service`` has a previous revision to go back to."""
        return len(self.deployments[service].history) > 1

    def rollback(self, service: str, action_id: str | None) -> None:
        """Go back to the previous revision of ``service`` and roll the pods onto it."""
        self._observer.before_change()
        deployment = self.deployments[service]
        current = deployment.history.pop()
        deployment.revision = deployment.history[-1]
        message = (
            f"Rolled back deployment {service} from revision {current} to {deployment.revision}"
        )
        attributes = {"from_revision": str(current), "to_revision": str(deployment.revision)}
        self._event(
            EventKind.ROLLBACK, service, None, "DeploymentRollback", message, action_id, attributes
        )
        self.env.process(self._roll(service, action_id))

    def failed(
        self, kind: EventKind, service: str, label: str, message: str, action_id: str
    ) -> None:
        """Record that an action on ``service`` failed, as a ``label`` event (``FailedScale``)."""
        attributes = {"status": "failed"}
        self._event(kind, service, None, label, message, action_id, attributes)

    def _new_pod(self, service: str, action_id: str | None) -> Pod:
        """Add a running, not yet ready, pod of ``service``."""
        uid = len(self.pods)
        deployment = self.deployments[service]
        name = f"{service}-{self.template(service)}-{self._random_name(5)}"
        ip = f"10.244.{(uid // 250) % 256}.{uid % 250 + 2}"
        pod = Pod(uid, name, service, ip, deployment.revision, self.env.now)
        self.pods.append(pod)
        message = "Started container"
        self._event(EventKind.POD_CREATED, service, pod, "Started", message, action_id)
        port = deployment.spec.port
        self.logs.append(
            LogRecord(self.env.now, service, name, Level.INFO, f"starting server on :{port}")
        )
        return pod

    def _become_ready(self, pod: Pod, action_id: str | None) -> Generator[Any, Any, None]:
        """Mark ``pod`` ready once its start-up delay has passed, unless it was deleted."""
        yield self.env.timeout(self.deployments[pod.service].spec.startup_delay)
        if not pod.alive:
            return
        self._observer.before_change()
        pod.ready_at = self.env.now
        message = "Readiness probe succeeded"
        self._event(EventKind.POD_READY, pod.service, pod, "Ready", message, action_id)
        self._observer.after_change()

    def _roll(self, service: str, action_id: str | None) -> Generator[Any, Any, None]:
        """Replace the pods of older revisions by surging one new pod at a time."""
        revision = self.deployments[service].revision
        for old in [p for p in self.live_pods(service) if p.revision != revision]:
            if not old.alive:
                continue
            new = self.create_pod(service, action_id)
            yield self.env.timeout(self.deployments[service].spec.startup_delay)
            if old.alive:
                self.delete_pod(old, action_id, replace=not new.alive)

    def _event(
        self,
        kind: EventKind,
        service: str,
        pod: Pod | None,
        reason: str,
        message: str,
        action_id: str | None,
        extra: dict[str, str] | None = None,
    ) -> None:
        """Record a cluster event about ``service`` (and ``pod`` when it concerns one)."""
        attributes = dict(extra or {})
        if action_id is not None:
            attributes["action_id"] = action_id
        self.events.append(
            TimelineEvent(
                self.env.now,
                kind,
                self.namespace,
                service,
                None if pod is None else pod.name,
                reason,
                message,
                attributes,
            )
        )
        logger.debug("t=%.0f %s %s: %s", self.env.now, kind.value, service, message)

    def _random_name(self, length: int) -> str:
        """Return a random lowercase name as Kubernetes generates them."""
        return "".join(self._rng.choice(_ALPHABET, size=length))
