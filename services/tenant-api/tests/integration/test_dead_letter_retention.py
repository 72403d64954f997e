"""Resolved dead letters are pruned; PARKED ones, the operators' audit and timelines stay;
a letter whose event is older than DEAD_LETTER_REPLAY_DAYS is not replayed."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service_kit.runtime import ServiceRuntime
from service_kit_testing import TestInfra
from shared_schemas import Actor
from tenant_api.dead_letters.parking import parked_row
from tenant_api.domain.dead_letters import DISCARDED
from tenant_api.settings import TenantApiSettings

from ..gateway import bearer, gateway_settings  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]


@pytest.fixture
def settings(infra: TestInfra) -> TenantApiSettings:
    # Rounds close together, so the test waits on the job it would otherwise wait minutes for.
    return gateway_settings(
        infra,
        dead_letter_retention_days=30,
        retention_interval=0.1,
    )


async def park(
    runtime: ServiceRuntime,
    *,
    occurred: datetime | None = None,
    tenant_id: uuid.UUID,
    original_queue: str = "retention-test.main",
) -> uuid.UUID:
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": "tenant.suspended",
            "occurred_at": (occurred or datetime.now(UTC)).isoformat(),
            "tenant_id": str(tenant_id),
        }
    ).encode()
    row = parked_row(
        queue="retention-test.dlq",
        body=body,
        headers={"x-reason": "retries_exhausted", "x-original-queue": original_queue},
        message_id=str(uuid.uuid4()),
    )
    async with runtime.uow() as uow:
        assert await uow.dead_letters.park(row)
        await uow.commit()
    return uuid.UUID(str(row["id"]))


async def resolve(runtime: ServiceRuntime, sql: Sql, letter: uuid.UUID, *, days_ago: int) -> None:
    async with runtime.uow() as uow:
        parked = await uow.dead_letters.get(letter)
        assert parked is not None
        admin = Actor(sub="test:admin", role="admin")
        await uow.dead_letters.act(parked, action=DISCARDED, actor=admin, reason="old")
        await uow.commit()
    await sql(
        "UPDATE tenant_api.dead_letters SET resolved_at = now() - make_interval(days => :d)"
        " WHERE id = :id",
        d=days_ago,
        id=letter,
    )


async def test_resolved_letters_go_after_the_retention_and_the_audit_stays(
    app: FastAPI, sql: Sql
) -> None:
    runtime: ServiceRuntime = app.state.runtime
    tenant_id = uuid.uuid4()
    # PARKED is never pruned, however long it has waited.
    parked = await park(runtime, tenant_id=tenant_id)
    await sql(
        "UPDATE tenant_api.dead_letters SET stored_at = now() - interval '400 days' WHERE id = :id",
        id=parked,
    )
    old = await park(runtime, tenant_id=tenant_id)
    recent = await park(runtime, tenant_id=tenant_id)
    await resolve(runtime, sql, old, days_ago=31)
    await resolve(runtime, sql, recent, days_ago=29)
    ours = [parked, old, recent]

    async def letters() -> set[uuid.UUID]:
        rows = await sql("SELECT id FROM tenant_api.dead_letters WHERE id = ANY(:ids)", ids=ours)
        return {r.id for r in rows}

    deadline = asyncio.get_running_loop().time() + 10
    while await letters() != {parked, recent}:
        assert asyncio.get_running_loop().time() < deadline, await letters()
        await asyncio.sleep(0.05)

    actions = await sql(
        "SELECT dead_letter_id, action, actor FROM tenant_api.dead_letter_actions"
        " WHERE dead_letter_id = ANY(:ids) ORDER BY at",
        ids=ours,
    )
    assert [(a.dead_letter_id, a.action, a.actor) for a in actions] == [
        (old, "DISCARDED", "test:admin"),
        (recent, "DISCARDED", "test:admin"),
    ]
    timeline = await sql(
        "SELECT type, data->>'deadLetterId' AS letter FROM tenant_api.tenant_events"
        " WHERE tenant_id = :t ORDER BY occurred_at",
        t=tenant_id,
    )
    assert [(e.type, e.letter) for e in timeline] == [
        ("dead_letter.discarded", str(old)),
        ("dead_letter.discarded", str(recent)),
    ]


async def test_a_letter_older_than_the_replay_window_is_not_replayed(
    app: FastAPI, client: httpx.AsyncClient, settings: TenantApiSettings, token: Any
) -> None:
    runtime: ServiceRuntime = app.state.runtime
    occurred = datetime.now(UTC) - timedelta(days=settings.dead_letter_replay_days + 1)
    letter = await park(runtime, occurred=occurred, tenant_id=uuid.uuid4())

    answer = await client.post(
        f"/admin/dead-letters/{letter}/replay", headers=bearer(token("operator"))
    )

    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 409
    assert "DEAD_LETTER_REPLAY_DAYS" in problem["detail"]
    shown = await client.get(f"/admin/dead-letters/{letter}", headers=bearer(token("operator")))
    assert shown.json()["status"] == "PARKED"
    assert shown.json()["actions"] == []


async def test_a_bulk_replay_leaves_letters_past_the_window_out_and_counts_them(
    app: FastAPI, client: httpx.AsyncClient, settings: TenantApiSettings, token: Any, sql: Sql
) -> None:
    runtime: ServiceRuntime = app.state.runtime
    # Where the replay goes: a queue of this test's own, gone with the app's connection.
    channel = await runtime.broker.channel()
    target = (await channel.declare_queue(exclusive=True)).name
    tenant_id = uuid.uuid4()
    too_old = datetime.now(UTC) - timedelta(days=settings.dead_letter_replay_days + 1)
    # Parked long ago (older than the window), and parked just now for an event as old: the
    # oldest come first, so neither may take the place of the one that can still be replayed.
    parked_long_ago = await park(
        runtime, occurred=too_old, tenant_id=tenant_id, original_queue=target
    )
    await sql(
        "UPDATE tenant_api.dead_letters SET stored_at = :at WHERE id = :id",
        at=too_old,
        id=parked_long_ago,
    )
    parked_late = await park(runtime, occurred=too_old, tenant_id=tenant_id, original_queue=target)
    fresh = await park(runtime, tenant_id=tenant_id, original_queue=target)
    operator = bearer(token("operator"))
    filters = {"tenantId": str(tenant_id), "limit": 2}

    planned = await client.post(
        "/admin/dead-letters/replay", json={**filters, "dryRun": True}, headers=operator
    )
    assert planned.status_code == 200, planned.text
    preview = planned.json()
    assert (preview["matched"], preview["tooOld"]) == (1, 2)
    assert [item["id"] for item in preview["items"]] == [str(fresh)]

    done = await client.post("/admin/dead-letters/replay", json=filters, headers=operator)
    assert done.status_code == 200, done.text
    result = done.json()
    assert (result["matched"], result["replayed"], result["failed"], result["tooOld"]) == (
        1,
        1,
        0,
        2,
    )
    statuses = {
        letter: (await client.get(f"/admin/dead-letters/{letter}", headers=operator)).json()[
            "status"
        ]
        for letter in (parked_long_ago, parked_late, fresh)
    }
    assert statuses == {parked_long_ago: "PARKED", parked_late: "PARKED", fresh: "REPLAYED"}
