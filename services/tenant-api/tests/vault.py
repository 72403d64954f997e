"""Test helpers for the credential vault: master keys and audit rows."""

from __future__ import annotations

import base64
import os
from typing import Any

from service_kit_testing import SqlRunner

Sql = SqlRunner
SECRET = "sk_live_9f8e7d6c5b4a39281706"  # long and unusual: easy to look for in raw bytes


def master_key() -> str:
    """A fresh 32-byte master key, base64."""
    return base64.b64encode(os.urandom(32)).decode()


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
