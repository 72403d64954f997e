"""The `make ha` target: the clustered engines of a running stack (var/ha/ha.env) driven
through `HaStack`, and its services restarted for the run with the suite's own database,
exchange, key prefix, timings and mail sink (and put back on the env file alone after)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from chaos.local import SETTINGS, PatientSink
from chaos.target import SERVICES, Target
from chaos.workers import WorkerProcesses
from deploy.ha import HaStack
from deploy.ha.procs import HaError
from deploy.ha.services import PROCESSES
from service_kit.migrations import ensure_database
from service_kit_testing import TestInfra, isolated_infra

# The kit's connection name on the broker: the saga's consumer is the provisioner's.
CONNECTION_NAME = "provisioner"
# What the suite's clients need to follow the cluster as the services do.
NODE_LISTS = ("RABBITMQ_URLS", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER")


class HaUnavailable(RuntimeError):
    """No running HA stack to drive: what to do about it is in the message."""


@dataclass
class HaEngines:
    """`EngineControl` (chaos/engines.py) over the synchronous `HaStack`."""

    stack: HaStack

    async def rabbit_stop(self, node: str) -> None:
        await asyncio.to_thread(self.stack.rabbit_stop, node)

    async def rabbit_start(self, node: str) -> None:
        await asyncio.to_thread(self.stack.rabbit_start, node)

    async def rabbit_kill(self, node: str) -> None:
        await asyncio.to_thread(self.stack.rabbit_kill, node)

    async def quorum_leader(self, queue: str) -> str:
        return await asyncio.to_thread(self.stack.quorum_leader, queue)

    async def rabbit_connected_node(self) -> str:
        node = await asyncio.to_thread(self.stack.rabbit_connected_node, CONNECTION_NAME)
        if node is None:
            raise RuntimeError(f"no broker connection named {CONNECTION_NAME!r}")
        return node

    async def pg_switchover(self) -> None:
        await asyncio.to_thread(self.stack.pg_switchover)

    async def pg_kill_leader(self) -> None:
        await asyncio.to_thread(self.stack.pg_kill_leader)

    async def redis_kill_master(self) -> None:
        await asyncio.to_thread(self.stack.redis_kill_master)


def running_stack(env_file: Path) -> HaStack:
    """The stack `make ha` left running, its engines answering; else `HaUnavailable`."""
    try:
        stack = HaStack.load(env_file)
        if not stack.rabbit_running():
            raise HaError("no RabbitMQ node is running")
        stack.pg_leader()
        stack.redis_master()
    except HaError as exc:
        raise HaUnavailable(f"the HA stack at {env_file} is not up ({exc}); run `make ha`") from exc
    return stack


@contextmanager
def ha_infra(stack: HaStack, run_id: str) -> Iterator[TestInfra]:
    """The run's own database, exchange and key prefix on the stack's engines."""
    env = stack.settings
    master = f"redis://127.0.0.1:{stack.redis_master()}/0"
    servers = (env["DATABASE_URL"], env["RABBITMQ_URL"], master)
    with isolated_infra(run_id, servers, {k: env[k] for k in NODE_LISTS}) as infra:
        # Made now, not by the provisioner as it starts, and both waited for on every node: a
        # database created that instant may not be on a replica yet, and asyncpg stops at the
        # first host's "does not exist" instead of moving on to the leader.
        asyncio.run(ensure_database(infra.tenant_data_dsn))
        for url in (infra.database_url, infra.tenant_data_dsn):
            stack.patroni.wait_database_everywhere(str(make_url(url).database))
        yield infra


@asynccontextmanager
async def ha_target(stack: HaStack, infra: TestInfra) -> AsyncIterator[Target]:
    """The stack's services on the run's infrastructure and mail sink for the block."""
    async with AsyncExitStack() as exits:
        mail = PatientSink(host="127.0.0.1", port=0, messages=[])
        mail.start()
        exits.callback(mail.stop)
        env = {**infra.env, **SETTINGS, "SMTP_URL": mail.url}
        # Put back on the env file alone afterwards, even if this start fails.
        exits.push_async_callback(asyncio.to_thread, stack.restart_services)
        await asyncio.to_thread(stack.restart_services, env)
        port = stack.layout.service_base
        urls = {s: f"http://127.0.0.1:{port + i}" for i, s in enumerate(SERVICES)}
        yield Target(
            name="ha",
            infra=infra,
            mail=mail,
            urls=urls,
            services=WorkerProcesses(lambda: stack.services.pid, urls, int(PROCESSES)),
            engines=HaEngines(stack),
            retry_delays=tuple(float(d) for d in SETTINGS["RETRY_DELAYS"].split(",")),
        )
