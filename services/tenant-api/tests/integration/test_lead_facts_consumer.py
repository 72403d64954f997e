"""`lead.verified` delivered twice is kept once, and onboarding still makes one tenant."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from service_kit_testing import TestInfra, publish_raw

from ..conftest import lead_verified  # type: ignore[import-not-found]
from ..gateway import bearer  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]


async def wait_rows(sql: Sql, statement: str, count: int, **params: Any) -> list[Any]:
    for _ in range(100):
        rows = await sql(statement, **params)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} row(s) for {statement}")


async def test_duplicate_lead_verified_is_kept_once(
    client: httpx.AsyncClient,
    infra: TestInfra,
    token: Callable[..., str],
    sql: Sql,
) -> None:
    lead_id = uuid.uuid4()
    event = lead_verified(lead_id, f"dup-{lead_id.hex[:6]}@engines.example")
    body = event.model_dump_json().encode()
    await publish_raw(infra, event.type, body)
    await publish_raw(infra, event.type, body)
    # The queue is ordered: once a marker published after both copies is handled, so are they.
    marker = lead_verified(uuid.uuid4(), "marker@engines.example")
    await publish_raw(infra, marker.type, marker.model_dump_json().encode())
    await wait_rows(
        sql, "SELECT 1 FROM tenant_api.lead_facts WHERE lead_id = :l", 1, l=marker.data.lead_id
    )
    facts = await sql("SELECT * FROM tenant_api.lead_facts WHERE lead_id = :l", l=lead_id)
    assert len(facts) == 1
    inbox = await sql(
        "SELECT consumer FROM tenant_api.inbox WHERE event_id = :e AND consumer = 'lead-facts'",
        e=event.id,
    )
    assert len(inbox) == 1

    lead_token = bearer(token("lead", lead_id=lead_id))
    body_json = {"key": "dup" + lead_id.hex[:10], "domains": ["engines.example"], "tier": "pooled"}
    first = await client.post(f"/leads/{lead_id}/tenants", json=body_json, headers=lead_token)
    second = await client.post(f"/leads/{lead_id}/tenants", json=body_json, headers=lead_token)
    assert (first.status_code, second.status_code) == (201, 409)
    tenants = await sql("SELECT id FROM tenant_api.tenants WHERE lead_id = :l", l=lead_id)
    assert len(tenants) == 1
