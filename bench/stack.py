"""The five services as real processes, started by deploy/local_run.py as `make run` does,
on their own database, exchange, queue and Redis key prefixes and ports, removed afterwards."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import aio_pika
import asyncpg
import httpx
from pydantic import SecretStr
from redis.asyncio import Redis

from bench.infra import Infrastructure, StackNames, redact
from service_kit.migrations import drop_database
from service_kit.settings import JwtSettings, ServiceSettings
from service_kit.tokens import mint_token
from service_kit.topology import queue_names

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier")
SCHEMAS = tuple(s.replace("-", "_") for s in SERVICES)
# The consumer queues the services declare (a name that is missing is simply skipped).
CONSUMER_QUEUES = {
    "tenant-api": (
        "lead-facts",
        "pipeline-steps",
        "pipeline-outcomes",
        "invoices",
        "offboarding",
        "timeline",
    ),
    "provisioner": ("saga",),
    "notifier": ("emails",),
}
PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")
UNLIMITED = "1000000000"
RETRY_DELAYS = "1,5,30"


@dataclass
class BenchStack:
    names: StackNames
    infra: Infrastructure
    port_base: int
    log_path: Path
    log_level: str = "INFO"
    overrides: dict[str, str] = field(default_factory=dict)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(36))
    mail_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-mail-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def settings_env(self) -> dict[str, str]:
        """The services' configuration: everything they read, nothing from the caller's shell."""
        n = self.names
        return {
            "ENVIRONMENT": "development",
            "DATABASE_URL": self.infra.database(n.database),
            "TENANT_DATA_DSN": self.infra.database(n.tenants_database, driver="postgresql"),
            "TENANT_ROLE_PREFIX": n.role_prefix,
            "RABBITMQ_URL": self.infra.rabbitmq_url,
            "EVENTS_EXCHANGE": n.exchange,
            "QUEUE_PREFIX": n.queue_prefix,
            "QUEUE_EXPIRES_MS": "60000",  # a safety net: cleanup deletes the queues it knows
            "RETRY_DELAYS": RETRY_DELAYS,
            "REDIS_URL": self.infra.redis_url,
            "REDIS_KEY_PREFIX": n.redis_prefix,
            "JWT_SECRET": self.jwt_secret,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": self.log_level,
            "MAIL_DIR": str(self.mail_dir),
            "APP_VALIDATE_URL": "https://app.bench.example/validate",
            "PIPELINE_DRIVER": "local",
            "PIPELINE_LOCAL_COMMAND": "",  # zero delay: the callback follows at once
            # Generated traffic comes from one IP and a few subjects: it must meet the API,
            # not the rate limiter.
            "PUBLIC_API_MAX_ATTEMPTS": UNLIMITED,
            "AUTH_API_MAX_REQUESTS": UNLIMITED,
            "API_KEY_VERIFY_MAX_REQUESTS": UNLIMITED,
            "WEBHOOK_MAX_PER_WINDOW": UNLIMITED,
            **self.overrides,
        }

    def processes(self, service: str) -> int:
        """How many processes `local_run.py` starts for the service (`PROCESSES`, or
        `TENANT_API_PROCESSES` and the like for one service)."""
        env = self.settings_env
        own = env.get(f"{service.replace('-', '_').upper()}_PROCESSES")
        return int(own or env.get("PROCESSES") or 1)

    def connection_budget(self) -> int:
        """The most PostgreSQL connections the services' pools may hold at once: each process
        `DB_POOL_SIZE` plus as many overflow (the relays' listeners and the provisioner's
        tenant-data pool come on top)."""
        pool = int(self.settings_env.get("DB_POOL_SIZE") or ServiceSettings().db_pool_size)
        return sum(self.processes(service) * 2 * pool for service in SERVICES)

    def recorded_env(self) -> dict[str, str]:
        return {k: redact(k, v) for k, v in sorted(self.settings_env.items())}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_base + SERVICES.index(service)}"

    @property
    def gateway(self) -> str:
        return self.url("tenant-api")

    def token(self, role: str, sub: str, tenant_id: UUID | None = None) -> str:
        settings = JwtSettings(jwt_secret=SecretStr(self.jwt_secret))
        return mint_token(settings, role=role, sub=sub, tenant_id=tenant_id, ttl=timedelta(hours=2))

    def _launch(self, ready_timeout: float) -> subprocess.Popen[bytes]:
        env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
        env.update(self.settings_env)
        argv = [sys.executable, "deploy/local_run.py", "--port-base", str(self.port_base)]
        argv += ["--ready-timeout", str(ready_timeout)]
        with self.log_path.open("wb") as log:
            return subprocess.Popen(  # noqa: S603 - our own launcher
                argv,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the harness, which stops it in order
            )

    async def start(self, ready_timeout: float = 180.0) -> None:
        """Start and wait for every /readyz (a busy broker can make start-up slow)."""
        self.process = self._launch(ready_timeout)
        deadline = time.monotonic() + ready_timeout + 10  # the launcher gives up first
        async with httpx.AsyncClient(timeout=2) as client:
            while not await self._all_ready(client):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the services exited during start-up; see {self.log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready after {ready_timeout:.0f}s; see {self.log_path}")
                await asyncio.sleep(0.3)

    async def _all_ready(self, client: httpx.AsyncClient) -> bool:
        try:
            answers = [await client.get(self.url(s) + "/readyz") for s in SERVICES]
        except httpx.HTTPError:
            return False
        return all(a.status_code == 200 for a in answers)

    def pids(self) -> dict[int, str]:
        """The launcher and the five services, by pid: each service's own process first, then
        its worker processes (`PROCESSES` above 1), whose command lines do not name it."""
        if self.process is None:
            return {}
        parents: dict[int, int] = {}
        commands: dict[int, list[bytes]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        found = {self.process.pid: "local_run.py (log pipe)"}
        for pid, parent in parents.items():
            if parent != self.process.pid:
                continue
            for service in SERVICES:
                if service.replace("-", "_").encode() in commands[pid]:
                    found[pid] = service
        services = {pid: name for pid, name in found.items() if pid != self.process.pid}
        while services:
            services = {
                pid: services[parent]
                for pid, parent in parents.items()
                if parent in services and pid not in found
            }
            found.update(services)
        return found

    async def backlog(self) -> dict[str, int]:
        """Unpublished outbox rows, pipelines still running (the provisioner's own queue) and
        ready messages in the consumer queues, by name."""
        found: dict[str, int] = {}
        conn = await asyncpg.connect(self.infra.database(self.names.database, driver="postgresql"))
        try:
            for schema in SCHEMAS:
                sql = f'SELECT count(*) FROM "{schema}".outbox WHERE published_at IS NULL'  # noqa: S608
                found[f"outbox:{schema}"] = int(await conn.fetchval(sql))
            found["provisioner:pipelines running"] = int(
                await conn.fetchval(
                    "SELECT count(*) FROM provisioner.pipelines"
                    " WHERE status IN ('RUNNING', 'WAITING', 'COMPENSATING')"
                )
            )
        finally:
            await conn.close()
        connection = await aio_pika.connect(self.infra.rabbitmq_url)
        async with connection:
            for name in self._queue_names(main_only=True):
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(name, passive=True)
                    found[f"queue:{name}"] = int(queue.declaration_result.message_count or 0)
                    await channel.close()
                except aio_pika.exceptions.ChannelClosed:
                    continue
        return found

    async def drain(self, timeout: float) -> dict[str, Any]:
        """Wait until every outbox and consumer queue is empty twice in a row, 1 s apart."""
        started = time.monotonic()
        calm = 0
        backlog: dict[str, int] = {}
        peak: dict[str, int] = {}
        while time.monotonic() - started < timeout:
            backlog = await self.backlog()
            for key, value in backlog.items():
                if value:
                    peak[key] = max(peak.get(key, 0), value)
            calm = calm + 1 if not any(backlog.values()) else 0
            if calm >= 2:
                break
            await asyncio.sleep(1)
        left = {k: v for k, v in backlog.items() if v}
        return {
            "seconds": round(time.monotonic() - started, 1),
            "drained": calm >= 2,
            "left": left,
            "peak": peak,
        }

    def _queue_names(self, *, main_only: bool = False) -> list[str]:
        delays = [float(d) for d in RETRY_DELAYS.split(",")]
        names: list[str] = []
        for service in SERVICES:
            settings = ServiceSettings(
                service_name=service, queue_prefix=self.names.queue_prefix, retry_delays=delays
            )
            for consumer in CONSUMER_QUEUES.get(service, ()):
                q = queue_names(settings, consumer)
                names += [q.main] if main_only else [q.main, *q.retries]
            if not main_only:
                names.append(f"{self.names.queue_prefix}{service}.dlq")
        return names

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    async def cleanup(self) -> list[str]:
        """Remove what the run created; returns what could not be removed (best effort)."""
        problems: list[str] = []
        steps = (
            ("broker", self._drop_broker_objects),
            ("databases", self._drop_databases),
            ("redis", self._drop_redis_keys),
        )
        for what, step in steps:
            try:
                await step()
            except Exception as exc:  # the other steps must still run
                problems.append(f"{what}: {exc!r}")
        shutil.rmtree(self.mail_dir, ignore_errors=True)
        return problems

    async def _drop_broker_objects(self) -> None:
        connection = await aio_pika.connect(self.infra.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            for name in self._queue_names():
                await channel.queue_delete(name)
            await channel.exchange_delete(self.names.exchange)

    async def _drop_databases(self) -> None:
        await drop_database(self.infra.database(self.names.database))
        await drop_database(self.infra.database(self.names.tenants_database))
        conn = await asyncpg.connect(self.infra.admin_dsn)
        try:
            roles = await conn.fetch(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
                self.names.role_prefix,
            )
            for role in roles:
                await conn.execute(f'DROP ROLE IF EXISTS "{role["rolname"]}"')
        finally:
            await conn.close()

    async def _drop_redis_keys(self) -> None:
        redis = Redis.from_url(self.infra.redis_url)
        try:
            batch: list[bytes] = []
            async for key in redis.scan_iter(match=self.names.redis_prefix + "*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await redis.unlink(*batch)
                    batch = []
            if batch:
                await redis.unlink(*batch)
        finally:
            await redis.aclose()
