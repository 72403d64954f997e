"""Suspension and reactivation reach the tenant-data database: real PostgreSQL, RabbitMQ, and
sessions opened as the tenants' own roles."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
import pytest

from provisioner.settings import ProvisionerSettings
from service_kit_testing import EventTap, Publish, SqlRunner
from shared_schemas import Actor
from shared_schemas.events import (
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantProvisioningRequested,
    TenantReactivated,
    TenantRef,
    TenantSuspended,
    Tier,
)

from ..conftest import ConnectAs, Provisioned  # type: ignore[import-not-found]

Fetch = Callable[..., Awaitable[Any]]
Request = TenantProvisioningRequested
E = TypeVar("E", TenantSuspended, TenantReactivated, TenantOffboardingRequested)
ADMIN = Actor(sub="test:admin", role="admin")
NOT_PERMITTED = "not permitted to log in"
# However the client learns that the server ended its session.
ENDED = (asyncpg.AdminShutdownError, asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError)
INSERT = "INSERT INTO pooled.records (tenant_id, payload) VALUES ($1, $2)"
MINE = "SELECT tenant_id, payload->>'who' AS who FROM pooled.records"


def told(kind: type[E], req: Request, *, at: datetime | None = None) -> E:
    """What tenant-api publishes when an admin acts on the tenant."""
    tenant_id = req.data.tenant_id
    # Offboarding's request carries data of its own (an export it may ask for), a TenantRef too.
    data = TenantOffboardingRequestedData if kind is TenantOffboardingRequested else TenantRef
    return kind.build(
        data(tenant_id=tenant_id),
        producer="tenant-api",
        correlation_id=tenant_id,
        tenant_id=tenant_id,
        occurred_at=at,
        actor=ADMIN,
    )


def of(req: Request) -> Callable[[Any], bool]:
    return lambda event: event.tenant_id == req.data.tenant_id


@pytest.fixture
def role(settings: ProvisionerSettings) -> Callable[[Request], str]:
    return lambda req: settings.tenant_role_prefix + req.data.key


@pytest.fixture
async def tap(event_tap: Any) -> EventTap:
    return await event_tap(
        "tenant.access_suspended", "tenant.access_restored", "tenant.deprovisioned"
    )


@pytest.fixture
async def tenants(provisioned: Provisioned) -> tuple[Request, Request]:
    """A silo and a pooled tenant, ACTIVE."""
    return await provisioned(Tier.SILO), await provisioned(Tier.POOLED)


async def no_sessions_left(tenant_db: Fetch, role: str) -> None:
    """Wait until the server has ended every session of the role."""
    for _ in range(200):
        if not await tenant_db("SELECT count(*) FROM pg_stat_activity WHERE usename = $1", role):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"sessions of {role} were not ended")


async def login_marks(sql: SqlRunner, req: Request) -> list[tuple[str, str]]:
    rows = await sql(
        "SELECT name, status FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'login_suspended' ORDER BY created_at",
        t=req.data.tenant_id,
    )
    return [(r.name, r.status) for r in rows]


async def test_suspension_turns_the_tenants_logins_off_and_reactivation_turns_them_back_on(
    tenants: tuple[Request, Request],
    connect_as: ConnectAs,
    tap: EventTap,
    publish: Publish,
    tenant_db: Fetch,
    sql: SqlRunner,
    role: Callable[[Request], str],
) -> None:
    silo, pooled = tenants
    sessions = {silo.id: await connect_as(silo), pooled.id: await connect_as(pooled)}
    await sessions[pooled.id].execute(INSERT, pooled.data.tenant_id, '{"who": "pooled"}')

    for req in (silo, pooled):
        suspension = told(TenantSuspended, req)
        await publish(suspension)
        await publish(suspension)  # delivered twice: done once
        (done,) = await tap.wait_for("tenant.access_suspended", where=of(req))
        assert done.data.roles == [role(req)]
        assert (done.actor, done.causation_id) == (ADMIN, suspension.id)
    for req in (silo, pooled):
        with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError, match=NOT_PERMITTED):
            await connect_as(req)
        await no_sessions_left(tenant_db, role(req))
        with pytest.raises(ENDED, match="connection"):
            await sessions[req.id].fetchval("SELECT 1")
        assert await login_marks(sql, req) == [(role(req), "CREATED")]

    # Suspended again (a replay, say): the login stays off, the ledger lists it once.
    await publish(told(TenantSuspended, silo))
    again = await tap.wait_for("tenant.access_suspended", count=2, where=of(silo))
    assert again[1].data.roles == [role(silo)]
    assert await login_marks(sql, silo) == [(role(silo), "CREATED")]

    for req in (silo, pooled):
        reactivation = told(TenantReactivated, req)
        await publish(reactivation)
        await publish(reactivation)
        (done,) = await tap.wait_for("tenant.access_restored", where=of(req))
        assert done.data.roles == [role(req)]
        assert (done.actor, done.causation_id) == (ADMIN, reactivation.id)
        assert await login_marks(sql, req) == [(role(req), "DELETED")]
    as_pooled = await connect_as(pooled)
    assert [tuple(r) for r in await as_pooled.fetch(MINE)] == [(pooled.data.tenant_id, "pooled")]
    assert await (await connect_as(silo)).fetchval("SELECT current_user") == role(silo)
    told_once = await sql(
        "SELECT headers->>'x-tenant-id' AS tenant, event_type, count(*) AS n"
        " FROM provisioner.outbox WHERE event_type LIKE 'tenant.access_%'"
        " AND headers->>'x-tenant-id' = ANY(:t) GROUP BY 1, 2",
        t=[str(silo.data.tenant_id), str(pooled.data.tenant_id)],
    )
    assert sorted((r.tenant == str(silo.data.tenant_id), r.event_type, r.n) for r in told_once) == [
        (False, "tenant.access_restored", 1),
        (False, "tenant.access_suspended", 1),
        (True, "tenant.access_restored", 1),
        (True, "tenant.access_suspended", 2),
    ]


async def test_reactivation_gives_back_only_the_logins_the_suspension_took(
    tenants: tuple[Request, Request],
    connect_as: ConnectAs,
    tap: EventTap,
    publish: Publish,
    tenant_db: Fetch,
    sql: SqlRunner,
    role: Callable[[Request], str],
) -> None:
    silo, pooled = tenants
    await tenant_db(f'ALTER ROLE "{role(silo)}" NOLOGIN')  # an operator turned it off before

    await publish(told(TenantSuspended, silo))
    (suspended,) = await tap.wait_for("tenant.access_suspended", where=of(silo))
    assert suspended.data.roles == []
    await publish(told(TenantReactivated, silo))
    (restored,) = await tap.wait_for("tenant.access_restored", where=of(silo))
    assert restored.data.roles == []
    can_log_in = "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1"
    assert await tenant_db(can_log_in, role(silo)) is False
    assert await login_marks(sql, silo) == []

    # A reactivation with no suspension before it: nothing to give back, nothing changes.
    await publish(told(TenantReactivated, pooled))
    (restored,) = await tap.wait_for("tenant.access_restored", where=of(pooled))
    assert restored.data.roles == []
    assert await (await connect_as(pooled)).fetchval("SELECT current_user") == role(pooled)


async def test_a_suspension_older_than_the_last_reactivation_changes_nothing(
    provisioned: Provisioned,
    connect_as: ConnectAs,
    tap: EventTap,
    publish: Publish,
    sql: SqlRunner,
    role: Callable[[Request], str],
) -> None:
    """The suspension's handling failed and was retried; the reactivation that followed it
    went first."""
    pooled = await provisioned(Tier.POOLED)
    suspended_at = datetime.now(UTC)
    late = told(TenantSuspended, pooled, at=suspended_at)
    await publish(told(TenantReactivated, pooled, at=suspended_at + timedelta(seconds=1)))
    await tap.wait_for("tenant.access_restored", where=of(pooled))
    await publish(late)
    for _ in range(200):
        if await sql("SELECT 1 FROM provisioner.inbox WHERE event_id = :e", e=late.id):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the late suspension was never handled")
    answered = await sql(
        "SELECT event_type FROM provisioner.outbox"
        " WHERE event_type LIKE 'tenant.access_%' AND headers->>'x-tenant-id' = :t",
        t=str(pooled.data.tenant_id),
    )
    assert [r.event_type for r in answered] == ["tenant.access_restored"]
    assert await login_marks(sql, pooled) == []
    assert await (await connect_as(pooled)).fetchval("SELECT current_user") == role(pooled)


async def test_a_suspension_cut_short_before_its_alter_is_finished_when_redelivered(
    provisioned: Provisioned,
    connect_as: ConnectAs,
    tap: EventTap,
    publish: Publish,
    sql: SqlRunner,
    role: Callable[[Request], str],
) -> None:
    """The process died after the ledger row and before the ALTER: the role still logs in."""
    silo = await provisioned(Tier.SILO)
    (made,) = await sql(
        "SELECT pipeline_id FROM provisioner.resources WHERE tenant_id = :t AND kind = 'role'",
        t=silo.data.tenant_id,
    )
    mark = uuid.uuid4()
    await sql(
        "INSERT INTO provisioner.resources (id, tenant_id, pipeline_id, step, kind, name, status)"
        " VALUES (:id, :t, :p, 'database', 'login_suspended', :name, 'CREATING')",
        id=mark,
        t=silo.data.tenant_id,
        p=made.pipeline_id,
        name=role(silo),
    )
    await connect_as(silo)

    await publish(told(TenantSuspended, silo))
    (done,) = await tap.wait_for("tenant.access_suspended", where=of(silo))
    assert done.data.roles == [role(silo)]
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError, match=NOT_PERMITTED):
        await connect_as(silo)
    marks = await sql(
        "SELECT id, status FROM provisioner.resources"
        " WHERE tenant_id = :t AND kind = 'login_suspended'",
        t=silo.data.tenant_id,
    )
    assert [(r.id, r.status) for r in marks] == [(mark, "CREATED")]


async def test_offboarding_a_suspended_tenant_removes_its_roles_and_policy(
    tenants: tuple[Request, Request],
    tap: EventTap,
    publish: Publish,
    tenant_db: Fetch,
    sql: SqlRunner,
    role: Callable[[Request], str],
) -> None:
    silo, pooled = tenants
    for req in (silo, pooled):
        await publish(told(TenantSuspended, req))
        await tap.wait_for("tenant.access_suspended", where=of(req))
        await publish(told(TenantOffboardingRequested, req))
        (gone,) = await tap.wait_for("tenant.deprovisioned", where=of(req))
        assert f"login_suspended:{role(req)}" in gone.data.resources_removed
        assert f"role:{role(req)}" in gone.data.resources_removed
        assert not await tenant_db("SELECT 1 FROM pg_roles WHERE rolname = $1", role(req))
        assert not await tenant_db("SELECT 1 FROM pg_policies WHERE policyname = $1", role(req))
        assert not await tenant_db("SELECT 1 FROM pg_namespace WHERE nspname = $1", role(req))
        open_rows = await sql(
            "SELECT kind FROM provisioner.resources WHERE tenant_id = :t AND status <> 'DELETED'",
            t=req.data.tenant_id,
        )
        assert open_rows == []
