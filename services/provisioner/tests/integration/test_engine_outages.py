"""A step that meets the tenant-data database (or Redis) away waits for it, up to the budget.

The provisioner reaches the engine through a TCP proxy that the test cuts and restores: a real
server that really goes away, for longer than the attempts' own retries last.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import make_url

from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit_testing import TcpProxy, started, tcp_proxy
from shared_schemas import Envelope
from shared_schemas.events import Tier

from ..messages import request  # type: ignore[import-not-found]
from ..saga import mine, outcome, resources_gone  # type: ignore[import-not-found]

Fetch = Callable[..., Awaitable[Any]]
Sql = Callable[..., Awaitable[list[Any]]]


@pytest.fixture
async def proxy(settings: ProvisionerSettings) -> AsyncIterator[TcpProxy]:
    real = make_url(settings.tenant_data_dsn)
    async with tcp_proxy(real.host or "127.0.0.1", real.port or 5432) as running:
        yield running


def through(settings: ProvisionerSettings, proxy: TcpProxy, **overrides: Any) -> Any:
    dsn = make_url(settings.tenant_data_dsn).set(host="127.0.0.1", port=proxy.port)
    return settings.model_copy(
        update={"tenant_data_dsn": dsn.render_as_string(hide_password=False), **overrides}
    )


def waits(tap: Any, tenant_id: Any, step: str) -> list[Any]:
    """The step's failed tries that wait for an engine."""
    return [
        e.data
        for e in mine(tap, "provisioning.step_failed", tenant_id)
        if e.data.step == step and e.data.error.startswith("engine unavailable:")
    ]


async def seen(probe: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not probe():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        await asyncio.sleep(0.05)


async def test_a_step_waits_out_an_outage_and_the_tenant_is_provisioned(
    settings: ProvisionerSettings,
    proxy: TcpProxy,
    migrated: None,
    event_tap: Any,
    publish: Callable[[Envelope], Awaitable[None]],
    sql: Sql,
) -> None:
    # Two attempts 0.05 s apart: without the wait, the step would fail within a tenth of a second.
    configured = through(settings, proxy, provisioner_outage_tolerance=60.0)
    async with started(create_app(configured)):
        tap = await event_tap("provisioning.*")
        await proxy.cut()
        req = request(Tier.POOLED)
        tenant = req.data.tenant_id
        await publish(req)
        # 1 s, 1 s, then 2 s apart: the outage lasts seconds, many times the attempts' budget.
        await seen(lambda: len(waits(tap, tenant, "database")) >= 3, "three waits for the engine")
        assert not mine(tap, "provisioning.failed", tenant)
        await proxy.restore()
        done = await outcome(
            tap, tenant, "provisioning.completed", "provisioning.failed", timeout=30
        )

    assert done.type == "provisioning.completed"
    waited = waits(tap, tenant, "database")
    assert {(w.attempt, w.will_retry) for w in waited} == {(1, True)}, "no attempt was spent"
    assert all("Connection" in w.error for w in waited), "the driver's error, named"
    assert len(mine(tap, "provisioning.step_failed", tenant)) == len(waited)
    (database,) = [
        e.data
        for e in mine(tap, "provisioning.step_succeeded", tenant)
        if e.data.step == "database"
    ]
    assert database.attempt == 1
    assert not mine(tap, "provisioning.step_compensated", tenant)
    # Each resource once in the ledger, however many tries the step took.
    assert sorted(done.data.resources) == sorted(set(done.data.resources))
    (row,) = await sql(
        "SELECT status, outage_since FROM provisioner.pipelines WHERE id = :p",
        p=req.data.pipeline_id,
    )
    assert (row.status, row.outage_since) == ("SUCCEEDED", None)


async def test_an_outage_beyond_the_tolerance_fails_the_step_and_compensates(
    settings: ProvisionerSettings,
    proxy: TcpProxy,
    migrated: None,
    event_tap: Any,
    publish: Callable[[Envelope], Awaitable[None]],
    tenant_db: Fetch,
    sql: Sql,
) -> None:
    configured = through(settings, proxy, provisioner_outage_tolerance=1.5)
    async with started(create_app(configured)):
        tap = await event_tap("provisioning.*")
        await proxy.cut()
        req = request(Tier.POOLED)
        tenant = req.data.tenant_id

        def given_up() -> bool:
            return any(not e.data.will_retry for e in mine(tap, "provisioning.step_failed", tenant))

        await publish(req)
        await seen(given_up, "the step's last attempt")
        # Compensation needs the database too: it waits for it, however long, and never gives up.
        (row,) = await sql(
            "SELECT status FROM provisioner.pipelines WHERE id = :p", p=req.data.pipeline_id
        )
        assert row.status == "COMPENSATING"
        await proxy.restore()
        failed = await outcome(
            tap, tenant, "provisioning.failed", "provisioning.completed", timeout=30
        )

    assert failed.type == "provisioning.failed"
    assert failed.data.step == "database"
    assert failed.data.reason.startswith("engine unavailable for over 1.5s:")
    tries = [
        (e.data.attempt, e.data.will_retry, e.data.error.split(":")[0])
        for e in mine(tap, "provisioning.step_failed", tenant)
    ]
    waited = [t for t in tries if t[2] == "engine unavailable"]
    counted = [t for t in tries if t[2] != "engine unavailable"]
    assert waited
    assert {(a, r) for a, r, _ in waited} == {(1, True)}
    assert [(a, r) for a, r, _ in counted] == [(1, True), (2, False)], "then the attempts count"
    compensated = [e.data.step for e in mine(tap, "provisioning.step_compensated", tenant)]
    assert compensated == ["preflight"]
    await resources_gone(configured, req, tenant_db, sql)
