"""Faults: each one something that goes wrong (`inject`) and the fix (`heal`), over the
target's supervisor, fault proxies or engine control. The scenario holds the fault between."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chaos.engines import EngineControl, Restartable, Stoppable
from chaos.target import SERVICES, ServiceControl
from service_kit_testing import TcpProxy


class Fault(Protocol):
    async def inject(self) -> None: ...

    async def heal(self) -> None: ...


@dataclass
class NoFault:
    """The baseline: the same workload and oracle with nothing going wrong."""

    async def inject(self) -> None:
        return None

    async def heal(self) -> None:
        return None


@dataclass
class ServiceKill:
    """kill -9 of a service's process; healing is the supervisor starting it again."""

    services: ServiceControl
    service: str

    async def inject(self) -> None:
        await self.services.kill(self.service)

    async def heal(self) -> None:
        await self.services.start(self.service)


@dataclass
class RollingRestart:
    """SIGTERM and start again, one service after the other, each ready before the next."""

    services: ServiceControl

    async def inject(self) -> None:
        for service in SERVICES:
            await self.services.restart(service)

    async def heal(self) -> None:
        return None


@dataclass
class ProxyReset:
    """The engine unreachable: open connections reset, new ones refused."""

    proxy: TcpProxy

    async def inject(self) -> None:
        await self.proxy.cut()

    async def heal(self) -> None:
        await self.proxy.restore()


@dataclass
class ProxyBlackHole:
    """The engine silent: connections stay open but nothing arrives either way."""

    proxy: TcpProxy

    async def inject(self) -> None:
        self.proxy.black_hole()

    async def heal(self) -> None:
        self.proxy.let_through()


@dataclass
class ProxyLatency:
    """Every chunk to and from the engine delayed by `seconds`."""

    proxy: TcpProxy
    seconds: float

    async def inject(self) -> None:
        self.proxy.latency = self.seconds

    async def heal(self) -> None:
        self.proxy.latency = 0.0


@dataclass
class EngineRestart:
    """A single-node engine restarted (a Redis without persistence comes back empty)."""

    engine: Restartable

    async def inject(self) -> None:
        await self.engine.restart()

    async def heal(self) -> None:
        return None


@dataclass
class EngineOutage:
    """A single-node engine stopped for the scenario's hold, then started again."""

    engine: Stoppable

    async def inject(self) -> None:
        await self.engine.stop()

    async def heal(self) -> None:
        await self.engine.start()


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


@dataclass
class PgSwitchover:
    engines: EngineControl

    async def inject(self) -> None:
        await self.engines.pg_switchover()

    async def heal(self) -> None:
        return None  # the old leader follows the new one by itself


@dataclass
class PgLeaderKill:
    engines: EngineControl

    async def inject(self) -> None:
        await self.engines.pg_kill_leader()

    async def heal(self) -> None:
        return None  # Patroni promotes the replica; the suite measures how long writes wait


@dataclass
class RedisMasterKill:
    engines: EngineControl

    async def inject(self) -> None:
        await self.engines.redis_kill_master()

    async def heal(self) -> None:
        return None  # Sentinel promotes the replica
