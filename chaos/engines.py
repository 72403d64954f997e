"""The engine faults' interface: what a clustered stack (`make ha`'s `HaStack`) must offer for
the engine scenarios to run against it. A thin adapter wires one to the other."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class Restartable(Protocol):
    """A single-node engine the suite may restart (a restarted Redis comes back empty)."""

    async def restart(self) -> None: ...


@runtime_checkable
class Stoppable(Protocol):
    """A single-node engine the suite may stop for a while and start again."""

    async def stop(self) -> None: ...

    async def start(self) -> None: ...


class EngineControl(Protocol):
    """RabbitMQ cluster nodes by name, the Patroni pair, the Redis master behind Sentinel."""

    async def rabbit_stop(self, node: str) -> None: ...

    async def rabbit_start(self, node: str) -> None: ...

    async def rabbit_kill(self, node: str) -> None:
        """kill -9 of the node's Erlang VM."""

    async def quorum_leader(self, queue: str) -> str:
        """The node leading the quorum queue `queue`."""

    async def rabbit_connected_node(self) -> str:
        """The node the services' connections are on (the first in RABBITMQ_URLS that answers)."""

    async def pg_switchover(self) -> None: ...

    async def pg_kill_leader(self) -> None:
        """kill -9 of the leader's Patroni and postmaster; the replica is promoted."""

    async def redis_kill_master(self) -> None:
        """kill -9 of the Redis master; Sentinel promotes the replica."""


@dataclass
class SingleEngine:
    """A private engine as the faults use it (`Restartable`, and stopped for an outage)."""

    stop_sync: Callable[[], None]
    start_sync: Callable[[], None]

    async def restart(self) -> None:
        await asyncio.to_thread(self.stop_sync)
        await asyncio.to_thread(self.start_sync)

    async def stop(self) -> None:
        await asyncio.to_thread(self.stop_sync)

    async def start(self) -> None:
        await asyncio.to_thread(self.start_sync)
