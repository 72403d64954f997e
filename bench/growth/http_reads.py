"""The figures read over HTTP, through the real services: each request sent `repeat` times on
one keep-alive connection (after a warm-up), and `GET /tenants?keyPrefix=` also under wrk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import httpx

from bench.growth.timing import timed
from service_kit.cursors import encode

# The cursor of a page this deep into the dead letters, newest first.
DEEP = 0.9
CURSOR_KEYS = ("next", "nextCursor", "cursor", "after")


@dataclass(frozen=True)
class ReadSamples:
    """Chosen once, on the empty database, and asked again of the seeded one."""

    key_prefix: str
    tenant_id: UUID


async def deep_dead_letter_cursor(dsn: str) -> str:
    """The keyset cursor of the dead letter at DEEP of the list (newest first)."""
    conn = await asyncpg.connect(dsn)
    try:
        total = int(await conn.fetchval("SELECT count(*) FROM tenant_api.dead_letters"))
        row = await conn.fetchrow(
            "SELECT stored_at, id FROM tenant_api.dead_letters"
            " ORDER BY stored_at DESC, id DESC OFFSET $1 LIMIT 1",
            int(total * DEEP),
        )
    finally:
        await conn.close()
    if row is None:  # none yet: a position older than everything
        return encode(datetime(2000, 1, 1, tzinfo=UTC), UUID(int=0))
    return encode(row["stored_at"], row["id"])


def paths(samples: ReadSamples, deep_cursor: str) -> dict[str, tuple[str, str]]:
    """Figure name → (service, path)."""
    tenant = samples.tenant_id
    return {
        "tenants_by_key_prefix": (
            "tenant-api",
            "/tenants?" + urlencode({"keyPrefix": samples.key_prefix}),
        ),
        "dead_letters_by_tenant": (
            "tenant-api",
            "/admin/dead-letters?" + urlencode({"tenantId": str(tenant)}),
        ),
        "dead_letters_deep_page": (
            "tenant-api",
            "/admin/dead-letters?" + urlencode({"after": deep_cursor}),
        ),
        "webhook_deliveries": ("webhook-receiver", "/webhooks/deliveries?limit=50"),
        "tenant_by_id": ("tenant-api", f"/tenants/{tenant}"),
        "timeline_page": ("tenant-api", f"/tenants/{tenant}/events"),
    }


def next_cursor(answer: dict[str, Any]) -> str | None:
    """The answer's cursor to the next page, whatever its name, if it offers one."""
    for key in CURSOR_KEYS:
        if isinstance(answer.get(key), str):
            return str(answer[key])
    return None


async def measure(
    urls: dict[str, str], token: str, targets: dict[str, tuple[str, str]], repeat: int
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    headers = {"Authorization": f"Bearer {token}"}
    clients = {
        service: httpx.AsyncClient(base_url=url, headers=headers, timeout=30)
        for service, url in urls.items()
    }
    try:
        for name, (service, path) in targets.items():
            client = clients[service]

            async def call(client: httpx.AsyncClient = client, path: str = path) -> None:
                (await client.get(path)).raise_for_status()

            try:
                found[name] = await timed(call, repeat)
            except httpx.HTTPStatusError as exc:  # an API that changed: the others go on
                found[name] = {"error": repr(exc)}
        deliveries = (await clients["webhook-receiver"].get("/webhooks/deliveries")).json()
        found["webhook_deliveries"]["pageable"] = next_cursor(deliveries) is not None
    finally:
        for client in clients.values():
            await client.aclose()
    return found
