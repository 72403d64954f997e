"""Test helpers for the credential vault: master keys, gateways with given keys, audit rows."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from service_kit_testing import SqlRunner, asgi_client, started
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

Sql = SqlRunner
SECRET = "sk_live_9f8e7d6c5b4a39281706"  # long and unusual: easy to look for in raw bytes


def master_key() -> str:
    """A fresh 32-byte master key, base64."""
    return base64.b64encode(os.urandom(32)).decode()


@asynccontextmanager
async def gateway(settings: TenantApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A tenant-api started (lifespan and all) with these settings, and a client for it."""
    async with started(create_app(settings)) as app, asgi_client(app, "gateway") as client:
        yield client


async def audit_trail(
    sql: Sql, tenant_id: Any, schema: str = "tenant_api"
) -> list[tuple[Any, ...]]:
    """(provider, action, actor, outcome) of the tenant's vault_audit rows, oldest first."""
    rows = await sql(
        f"SELECT provider, action, actor, outcome FROM {schema}.vault_audit "  # noqa: S608
        "WHERE tenant_id = :t ORDER BY at, id",
        t=str(tenant_id),
    )
    return [tuple(r) for r in rows]
