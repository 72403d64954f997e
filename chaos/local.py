"""The local target: the five services started here, on the machine's PostgreSQL and
RabbitMQ and a Redis of the suite's own, each reached through a fault proxy."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

from chaos.engines import SingleEngine
from chaos.processes import ROOT, LocalProcesses
from chaos.target import OPS_EMAIL, SERVICES, Target
from deploy.ha import PrivateRedis
from deploy.ha.procs import free_port
from service_kit.migrations import upgrade
from service_kit_testing import SmtpSink, TcpProxy, TestInfra, free_port_base, tcp_proxy

# Timings for a run that takes faults: retries quick, but no deadline short enough to turn an
# outage the suite heals into a failed pipeline.
SETTINGS = {
    "LOG_FORMAT": "json",
    "APP_VALIDATE_URL": "https://app.chaos.example/validate",
    "OPS_EMAIL": OPS_EMAIL,
    # Production's tiers: a handler meeting a short outage retries through it; the test
    # suite's sub-second tiers would dead-letter it.
    "RETRY_DELAYS": "1,5,30",
    "PROVISIONER_STEP_ATTEMPTS": "2",
    "PROVISIONER_STEP_RETRY_BASE": "0.1",
    "PROVISIONER_CALLBACK_TIMEOUT": "120",
    "PIPELINE_STALE_AFTER": "150",
    "PIPELINE_SWEEP_INTERVAL": "2",
    "PIPELINE_DRIVER": "local",
    "PIPELINE_LOCAL_COMMAND": "sleep 1",  # an external step that takes a moment to fault in
    # Five services on a PostgreSQL others share: small pools (each process may double it).
    "DB_POOL_SIZE": "4",
    "PUBLIC_API_MAX_ATTEMPTS": "1000000",
    "AUTH_API_MAX_REQUESTS": "1000000",
    "WEBHOOK_MAX_PER_WINDOW": "1000000",
}


class PatientSink(SmtpSink):
    """The mail sink, waiting as long as a faulted notifier may take to send."""

    async def wait_for(self, recipient: str, *, timeout: float = 120.0) -> Any:
        return await super().wait_for(recipient, timeout=timeout)


def _through(url: str, proxy: TcpProxy) -> str:
    if url.startswith("postgres"):
        return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _host_port(url: str, default: int) -> tuple[str, int]:
    parts = urlsplit(url.replace("+asyncpg", ""))
    return parts.hostname or "127.0.0.1", parts.port or default


def service_env(
    infra: TestInfra, proxies: Mapping[str, TcpProxy], mail: SmtpSink
) -> dict[str, str]:
    port_base = free_port_base(count=len(SERVICES))
    return {
        **infra.env,
        **SETTINGS,
        "DATABASE_URL": _through(infra.database_url, proxies["postgres"]),
        "TENANT_DATA_DSN": _through(infra.tenant_data_dsn, proxies["postgres"]),
        "RABBITMQ_URL": _through(infra.rabbitmq_url, proxies["rabbitmq"]),
        "REDIS_URL": _through(infra.redis_url, proxies["redis"]),
        "SMTP_URL": mail.url,
        "PORT_BASE": str(port_base),
        "LEAD_VERIFIER_URL": f"http://127.0.0.1:{port_base + 1}",
        "WEBHOOK_CALLBACK_URL": f"http://127.0.0.1:{port_base + 3}/webhooks/provisioning",
    }


@asynccontextmanager
async def local_target(infra: TestInfra, directory: Path) -> AsyncIterator[Target]:
    """Migrate, start the proxies, the mail sink and the services; stop them all after."""
    async with AsyncExitStack() as stack:
        # No persistence: restarting it (kill -9, start) loses everything it held.
        redis = PrivateRedis(directory / "redis", free_port())
        engine = SingleEngine(redis.kill, redis.start)
        await engine.start()
        stack.callback(redis.stop)
        infra = dataclasses.replace(infra, redis_url=redis.url)
        for service in SERVICES:
            await asyncio.to_thread(upgrade, ROOT / "services" / service, infra.database_url)
        proxies = {
            "postgres": await stack.enter_async_context(
                tcp_proxy(*_host_port(infra.database_url, 5432))
            ),
            "rabbitmq": await stack.enter_async_context(
                tcp_proxy(*_host_port(infra.rabbitmq_url, 5672))
            ),
            "redis": await stack.enter_async_context(tcp_proxy("127.0.0.1", redis.proc.port)),
        }
        mail = PatientSink(host="127.0.0.1", port=0, messages=[])
        mail.start()
        stack.callback(mail.stop)
        env = service_env(infra, proxies, mail)
        processes = LocalProcesses(env, int(env.pop("PORT_BASE")), directory)
        stack.push_async_callback(processes.stop_all)
        await processes.start_all()
        yield Target(
            name="local",
            infra=infra,
            mail=mail,
            urls=processes.urls,
            services=processes,
            proxies=proxies,
            restartable={"redis": engine},
            retry_delays=tuple(float(d) for d in SETTINGS["RETRY_DELAYS"].split(",")),
        )
