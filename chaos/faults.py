"""Faults: each one something that goes wrong (`inject`) and the fix (`heal`), over the
target's supervisor, fault proxies or engine control. The scenario holds the fault between."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from chaos.engines import EngineControl
from chaos.target import SERVICES, ServiceControl
from service_kit_testing import TcpProxy

Step = Callable[[], Coroutine[Any, Any, None]]


class Fault(Protocol):
    async def inject(self) -> None: ...

    async def heal(self) -> None: ...


async def nothing() -> None:
    """No step: the baseline's fault, or a heal the engines see to themselves."""


@dataclass(frozen=True)
class Steps:
    """A fault as its two steps, most of them one call on the target each."""

    inject: Step = nothing
    heal: Step = nothing


def service_kill(services: ServiceControl, service: str) -> Steps:
    """kill -9 of a service's process; healing is the supervisor starting it again."""
    return Steps(partial(services.kill, service), partial(services.start, service))


def rolling_restart(services: ServiceControl) -> Steps:
    """SIGTERM and start again, one service after the other, each ready before the next."""

    async def inject() -> None:
        for service in SERVICES:
            await services.restart(service)

    return Steps(inject)


def proxy_reset(proxy: TcpProxy) -> Steps:
    """The engine unreachable: open connections reset, new ones refused."""
    return Steps(proxy.cut, proxy.restore)


def proxy_black_hole(proxy: TcpProxy) -> Steps:
    """The engine silent: connections stay open but nothing arrives either way."""

    async def inject() -> None:
        proxy.black_hole()

    async def heal() -> None:
        proxy.let_through()

    return Steps(inject, heal)


def proxy_latency(proxy: TcpProxy, seconds: float) -> Steps:
    """Every chunk to and from the engine delayed by `seconds`."""

    async def inject() -> None:
        proxy.latency = seconds

    async def heal() -> None:
        proxy.latency = 0.0

    return Steps(inject, heal)


@dataclass
class RabbitNodeStop:
    """Stop a cluster node: the services' own (`which="connected"`) or the node leading the
    saga's quorum queue (`which="quorum-leader"`); `kill` makes it a kill -9 of the VM."""

    engines: EngineControl
    which: str
    queue: str
    kill: bool = False
    node: str | None = None

    async def inject(self) -> None:
        if self.which == "quorum-leader":
            self.node = await self.engines.quorum_leader(self.queue)
        else:
            self.node = await self.engines.rabbit_connected_node()
        if self.kill:
            await self.engines.rabbit_kill(self.node)
        else:
            await self.engines.rabbit_stop(self.node)

    async def heal(self) -> None:
        if self.node is not None:
            await self.engines.rabbit_start(self.node)
