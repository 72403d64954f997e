"""The five services as real processes, started the way `make run` starts them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database
from service_kit_testing import SmtpSink, TestInfra, delete_exchange, free_port_base
from service_kit_testing.identity import IdentityProvider

from .otlp_collector import OtlpCollector
from .saga_client import admin_headers

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
NAMES = ("tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier")


@dataclass(frozen=True)
class Stack:
    port_base: int
    env: dict[str, str]
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_base + NAMES.index(service)}"

    @property
    def gateway(self) -> str:
        return self.url("tenant-api")

    async def tenantctl(
        self, *args: str, timeout: float = 120, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """`tenantctl ARGS` as an operator runs it against this stack's gateway."""
        return await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "tenant_api.cli.main", *args],
            cwd=ROOT,
            env={**self.env, "GATEWAY_URL": self.gateway},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )


def _all_ready(stack: Stack) -> bool:
    try:
        return all(httpx.get(stack.url(n) + "/readyz", timeout=1).status_code == 200 for n in NAMES)
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def otlp_collector() -> Iterator[OtlpCollector]:
    collector = OtlpCollector().start()
    try:
        yield collector
    finally:
        collector.stop()


@contextmanager
def running_stack(infra: TestInfra, name: str, settings: dict[str, str]) -> Iterator[Stack]:
    """The five services on free ports with `settings` over the run's infrastructure, on a
    database, exchange and queue names of their own (`name` tells them apart), removed after."""
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}-services.log"
    port_base = free_port_base()
    # In-process tests of this run use the run's own names, and a relay of the stack must never
    # publish their outbox rows.
    exchange = f"cp-test-{infra.run_id}.{name}.events"
    database_url = make_url(infra.database_url).set(database=f"cp_test_{infra.run_id}_{name}")
    database = database_url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        **infra.env,
        "DATABASE_URL": database,
        "EVENTS_EXCHANGE": exchange,
        "QUEUE_PREFIX": f"cp-test-{infra.run_id}.{name}.",
        **settings,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "deploy/local_run.py", "--port-base", str(port_base)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        stack = Stack(port_base=port_base, env=env, database_url=database, process=process, log=log)
        # A stack that never became ready is removed too: its database and exchange exist.
        try:
            deadline = time.monotonic() + 90
            while not _all_ready(stack):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"stack did not become ready; see {log}")
                time.sleep(0.3)
            yield stack
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            asyncio.run(delete_exchange(infra.rabbitmq_url, exchange))
            asyncio.run(drop_database(database))


@pytest.fixture(scope="session")
def stack(
    infra: TestInfra,
    smtp_sink: SmtpSink,
    otlp_collector: OtlpCollector,
    oidc_provider: IdentityProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    settings = {
        # A real OpenID provider: the gateway trusts it next to development sign-in, and the
        # provisioner registers each tenant's own client there (the identity step).
        "OIDC_ISSUER": oidc_provider.issuer,
        "OIDC_AUDIENCE": oidc_provider.audience,
        "IDENTITY_INITIAL_ACCESS_TOKEN": oidc_provider.initial_access_token,
        # Offboarding exports of tenant-api and the provisioner, in one folder of the run's.
        "EXPORT_URL": tmp_path_factory.mktemp("exports").as_uri(),
        "SMTP_URL": smtp_sink.url,
        "APP_VALIDATE_URL": "https://app.example/validate",
        "LOG_FORMAT": "json",
        "RETRY_DELAYS": "0.5,1",
        "OPS_EMAIL": "ops@operators.example",
        "PROVISIONER_STEP_ATTEMPTS": "2",
        "PROVISIONER_STEP_RETRY_BASE": "0.1",
        "PROVISIONER_CALLBACK_TIMEOUT": "60",
        "PIPELINE_STALE_AFTER": "5",
        "PIPELINE_SWEEP_INTERVAL": "1",
        "METRICS_DLQ_INTERVAL": "1",
        "METRICS_PIPELINES_INTERVAL": "1",
        # Generated traffic must meet the API, not the rate limiter.
        "PUBLIC_API_MAX_ATTEMPTS": "1000000",
        "AUTH_API_MAX_REQUESTS": "1000000",
        # The gateway and the provisioner as two replicas each (worker processes on one port),
        # as a deployment scales them: competing consumers, two relays, two step engines.
        "TENANT_API_PROCESSES": "2",
        "PROVISIONER_PROCESSES": "2",
        # Every service exports its spans to the stand-in collector, in batches every 200 ms.
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    with running_stack(infra, "e2e", settings) as stack:
        yield stack


@asynccontextmanager
async def admin_client(stack: Stack, infra: TestInfra) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the stack's gateway, calling as an admin."""
    async with httpx.AsyncClient(
        base_url=stack.gateway, headers=admin_headers(infra), timeout=10
    ) as client:
        yield client


@pytest.fixture
async def gateway(stack: Stack, infra: TestInfra) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway, called as an admin."""
    async with admin_client(stack, infra) as client:
        yield client
