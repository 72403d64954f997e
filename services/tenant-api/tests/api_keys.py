"""Helpers for the API key tests: an ACTIVE tenant, keys made through the gateway, verification."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared_schemas.events import ApiKeyIssued

from .gateway import bearer
from .saga import FakeProvisioner, Sql, activate, processed

Provisioning = Callable[..., Awaitable[FakeProvisioner]]


async def active_tenant(provisioning: Provisioning, sql: Sql) -> FakeProvisioner:
    """A tenant the fake provisioner has taken to ACTIVE."""
    saga = await provisioning()
    await activate(saga, sql)
    return saga


async def active_with_key(saga: FakeProvisioner, sql: Sql, plaintext: str) -> ApiKeyIssued:
    """The saga's pipeline completed with `plaintext` as the initial key, both taken in."""
    completed, issued = saga.completed(), saga.key_issued(plaintext)
    await saga.publish(issued, completed)
    await processed(sql, "api-keys", [issued])
    await processed(sql, "pipeline-outcomes", [completed])
    return issued


async def make_key(
    client: httpx.AsyncClient, token: str, tenant_id: Any, **body: Any
) -> dict[str, Any]:
    """A new key (201), its plaintext in `apiKey`."""
    made = await client.post(
        f"/tenants/{tenant_id}/api-keys", json={"name": "orders", **body}, headers=bearer(token)
    )
    assert made.status_code == 201, made.text
    key: dict[str, Any] = made.json()
    return key


async def verify(client: httpx.AsyncClient, api_key: str) -> dict[str, Any]:
    """The verification's answer, with no bearer token (always 200 for a well-formed body)."""
    answer = await client.post("/api-keys/verify", json={"apiKey": api_key})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


async def listed(client: httpx.AsyncClient, token: str, tenant_id: Any) -> dict[str, Any]:
    """The tenant's keys by id, as `GET /tenants/{id}/api-keys` lists them."""
    answer = await client.get(f"/tenants/{tenant_id}/api-keys", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}
