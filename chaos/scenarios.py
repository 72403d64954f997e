"""The scenarios: one fault at a time while the workload runs, on whichever target offers
what the fault needs; a scenario the target cannot run is listed as not run, not skipped
silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chaos.engines import Stoppable
from chaos.faults import (
    Fault,
    RabbitNodeStop,
    Steps,
    proxy_black_hole,
    proxy_latency,
    proxy_reset,
    rolling_restart,
    service_kill,
)
from chaos.target import SERVICES, Target


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    hold: float  # seconds the fault lasts between inject and heal: the fault itself
    make: Callable[[Target], Fault | None]  # None: the target lacks what the fault needs


def _proxy(
    engine: str, fault: Callable[..., Fault], *args: float
) -> Callable[[Target], Fault | None]:
    def make(target: Target) -> Fault | None:
        proxy = target.proxies.get(engine)
        return None if proxy is None else fault(proxy, *args)

    return make


def _engines(fault: Callable[..., Fault], *args: str | bool) -> Callable[[Target], Fault | None]:
    def make(target: Target) -> Fault | None:
        return None if target.engines is None else fault(target.engines, *args)

    return make


def _restart(engine: str) -> Callable[[Target], Fault | None]:
    def make(target: Target) -> Fault | None:
        found = target.restartable.get(engine)
        return None if found is None else Steps(found.restart)

    return make


def _outage(engine: str) -> Callable[[Target], Fault | None]:
    """Through the proxy where there is one (the engine keeps its data), else the engine
    itself stopped and started (a single-node Redis without persistence comes back empty)."""

    def make(target: Target) -> Fault | None:
        if (proxy := target.proxies.get(engine)) is not None:
            return proxy_reset(proxy)
        found = target.restartable.get(engine)
        return Steps(found.stop, found.start) if isinstance(found, Stoppable) else None

    return make


def _saga_queue(target: Target) -> str:
    return f"{target.infra.env['QUEUE_PREFIX']}provisioner.saga"


def _rabbit(which: str, kill: bool = False) -> Callable[[Target], Fault | None]:
    def make(target: Target) -> Fault | None:
        if target.engines is None:
            return None
        return RabbitNodeStop(target.engines, which, _saga_queue(target), kill)

    return make


ENGINE_NAMES = {"postgres": "PostgreSQL", "rabbitmq": "RabbitMQ", "redis": "Redis"}

SCENARIOS: list[Scenario] = [
    Scenario("baseline", "no fault: the workload and the oracle alone", 0, lambda t: Steps()),
    *(
        Scenario(
            f"kill9-{service}",
            f"kill -9 of {service} mid-saga, started again 1 s later",
            1,
            lambda t, s=service: service_kill(t.services, s),  # type: ignore[misc]
        )
        for service in SERVICES
    ),
    Scenario(
        "rolling-restart",
        "SIGTERM and start again, every service in turn, each ready before the next",
        0,
        lambda t: rolling_restart(t.services),
    ),
    *(
        scenario
        for engine, name in ENGINE_NAMES.items()
        for scenario in (
            Scenario(
                f"{engine}-reset",
                f"{name} unreachable for 5 s: connections reset, new ones refused",
                5,
                _proxy(engine, proxy_reset),
            ),
            Scenario(
                f"{engine}-black-hole",
                f"{name} silent for 10 s: connections open, nothing crosses",
                10,
                _proxy(engine, proxy_black_hole),
            ),
            Scenario(
                f"{engine}-latency",
                f"200 ms added to every chunk to and from {name} for 15 s",
                15,
                _proxy(engine, proxy_latency, 0.2),
            ),
        )
    ),
    Scenario("redis-outage-60s", "Redis unreachable for 60 s", 60, _outage("redis")),
    Scenario(
        "redis-restart",
        "single-node Redis kill -9 and restart: its data is lost",
        0,
        _restart("redis"),
    ),
    Scenario("rabbitmq-restart", "single-node RabbitMQ restart", 0, _restart("rabbitmq")),
    Scenario("postgres-restart", "single-node PostgreSQL restart", 0, _restart("postgres")),
    Scenario(
        "rabbit-connected-node-stop",
        "the cluster node the services are connected to stopped for 15 s",
        15,
        _rabbit("connected"),
    ),
    Scenario(
        "rabbit-quorum-leader-stop",
        "the node leading the saga's quorum queue stopped for 15 s",
        15,
        _rabbit("quorum-leader"),
    ),
    Scenario(
        "rabbit-node-kill9",
        "kill -9 of the connected node's VM, started again after 15 s",
        15,
        _rabbit("connected", kill=True),
    ),
    # No heal: Patroni promotes the replica (the old leader then follows the new one), Sentinel
    # the Redis one; the suite measures how long writes wait.
    Scenario(
        "pg-switchover",
        "Patroni switchover to the replica",
        0,
        _engines(lambda engines: Steps(engines.pg_switchover)),
    ),
    Scenario(
        "pg-leader-kill9",
        "kill -9 of the Patroni leader",
        0,
        _engines(lambda engines: Steps(engines.pg_kill_leader)),
    ),
    Scenario(
        "redis-master-kill9",
        "kill -9 of the Redis master",
        0,
        _engines(lambda engines: Steps(engines.redis_kill_master)),
    ),
]


def by_name(names: list[str] | None) -> list[Scenario]:
    if not names:
        return SCENARIOS
    known = {s.name: s for s in SCENARIOS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown scenarios: {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]
