"""The local driver's callback survives kill -9 of the provisioner: real processes, real parts.

Only the two services concerned run, as `python -m <service>` processes against this run's
PostgreSQL, Redis and RabbitMQ: the provisioner is killed while its pipeline command runs, and
started again; the webhook-receiver stays up and keeps the receipts.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from service_kit_testing import TestInfra, free_port_base, migrate_service, publish_raw
from shared_schemas.events import (
    Contact,
    PlanFacts,
    TenantProvisioningRequested,
    TenantProvisioningRequestedData,
    Tier,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CALLBACK_TIMEOUT = 120  # the step's deadline: the tenant must be done long before it


class Services:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._env = env
        self._log = log
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, package: str, port: int, **extra: str) -> subprocess.Popen[bytes]:
        with self._log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", package],
                cwd=ROOT,
                env={**self._env, "PORT": str(port), **extra},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.running[package] = process
        return process

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def services(infra: TestInfra) -> Iterator[Services]:
    ARTIFACTS.mkdir(exist_ok=True)
    running = Services({**os.environ, **infra.env}, ARTIFACTS / "local-driver-restart.log")
    try:
        yield running
    finally:
        running.stop_all()


async def until(check: Any, what: str, timeout: float = 30.0) -> Any:
    """Poll `check` (sync or async) until it returns something truthy, at most `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout}s")


async def ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            return (await client.get(url + "/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


def provisioning_request(key: str) -> TenantProvisioningRequested:
    tenant_id, pipeline_id = uuid.uuid4(), uuid.uuid4()
    return TenantProvisioningRequested.build(
        TenantProvisioningRequestedData(
            tenant_id=tenant_id,
            pipeline_id=pipeline_id,
            key=key,
            name="Acme",
            tier=Tier.SILO,
            plan=PlanFacts(
                id="standard",
                name="Standard",
                tiers=[Tier.SILO],
                price="49.00",
                currency="USD",
                billing_period="monthly",
            ),
            contact=Contact(first_name="Ada", last_name="Lovelace", email="ada@acme.example"),
            requested_by="test",
        ),
        producer="tenant-api",
        correlation_id=pipeline_id,
        tenant_id=tenant_id,
    )


@pytest.mark.parametrize("stop", ["kill", "terminate"], ids=["kill-9", "sigterm"])
async def test_a_pending_local_callback_is_resumed_after_a_restart_and_accepted_once(
    infra: TestInfra, services: Services, event_tap: Any, tmp_path: Path, stop: str
) -> None:
    await migrate_service(ROOT / "services" / "provisioner", infra)
    await migrate_service(ROOT / "services" / "webhook-receiver", infra)
    port = free_port_base(count=2)
    receiver_url = f"http://127.0.0.1:{port + 1}"
    # The pipeline command says it started, then blocks while the `hold` file exists.
    started, hold = tmp_path / "started", tmp_path / "hold"
    hold.touch()
    provisioner = {
        "PIPELINE_DRIVER": "local",
        "PIPELINE_LOCAL_COMMAND": f"touch {started}; while [ -e {hold} ]; do sleep 0.05; done",
        "WEBHOOK_CALLBACK_URL": receiver_url + "/webhooks/provisioning",
        "PROVISIONER_CALLBACK_TIMEOUT": str(CALLBACK_TIMEOUT),
        "PROVISIONER_DRIVER_LEASE": "2",
        "PROVISIONER_POLL_INTERVAL": "0.1",
    }
    services.start("webhook_receiver", port + 1)
    first = services.start("provisioner", port, **provisioner)
    await until(lambda: ready(receiver_url), "webhook-receiver ready")
    await until(lambda: ready(f"http://127.0.0.1:{port}"), "provisioner ready")

    tap = await event_tap("provisioning.*")
    req = provisioning_request("k" + uuid.uuid4().hex[:12])
    tenant_id = req.data.tenant_id
    await publish_raw(infra, req.type, req.model_dump_json().encode())
    await until(started.exists, "the pipeline command started")

    # SIGKILL: no shutdown code runs, the lease is left to expire. SIGTERM: the provisioner
    # stops its command and hands the lease back.
    getattr(first, stop)()
    first.wait(timeout=30)
    hold.unlink()
    services.start("provisioner", port, **provisioner)

    def outcome() -> list[Any]:
        return [
            e
            for e in tap.received
            if e.tenant_id == tenant_id
            and e.type in ("provisioning.completed", "provisioning.failed")
        ]

    # Well inside the step's deadline: a callback left to it would end as provisioning.failed.
    (done,) = await until(outcome, "the pipeline's outcome", timeout=CALLBACK_TIMEOUT / 2)
    assert done.type == "provisioning.completed"
    succeeded = [
        e.data.step
        for e in tap.received
        if e.tenant_id == tenant_id and e.type == "provisioning.step_succeeded"
    ]
    assert succeeded.count("infrastructure") == 1

    conn = await asyncpg.connect(infra.database_url.replace("+asyncpg", ""))
    try:
        receipts = await conn.fetch(
            "SELECT outcome FROM webhook_receiver.deliveries WHERE tenant_id = $1", tenant_id
        )
        pending = await conn.fetchval(
            "SELECT count(*) FROM provisioner.local_callbacks WHERE pipeline_id = $1",
            req.data.pipeline_id,
        )
    finally:
        await conn.close()
    assert [r["outcome"] for r in receipts] == ["accepted"]
    assert pending == 0
