"""After a saga run: every tenant ACTIVE, and every resource it should have exists exactly once.

Looked up in bulk where the e2e tests look one by one (tests/e2e/saga_client.TenantData):
the provisioner's resource ledger, API keys and subscriptions, tenant-api's invoices, and the
tenants' own database (silo schema and role; pooled row and row-level policy).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg

from bench.stack import BenchStack

LEDGER = {
    "silo": {"schema", "role", "api_key", "webhook_run", "subscription"},
    "pooled": {"pooled_tenant", "policy", "role", "api_key", "subscription"},
}
MAX_EXAMPLES = 10


async def _counts(conn: asyncpg.Connection, sql: str, ids: list[str]) -> Counter[str]:
    return Counter({str(r[0]): int(r[1]) for r in await conn.fetch(sql, ids)})


async def check_tenants(stack: BenchStack, tenants: list[dict[str, Any]]) -> dict[str, Any]:
    ids = [t["id"] for t in tenants]
    names = [stack.names.role_prefix + t["key"] for t in tenants]
    control = await asyncpg.connect(stack.infra.database(stack.names.database, driver="postgresql"))
    try:
        status = {
            str(r[0]): r[1]
            for r in await control.fetch(
                "SELECT id::text, status FROM tenant_api.tenants WHERE id::text = ANY($1)", ids
            )
        }
        ledger: dict[str, Counter[str]] = {}
        for row in await control.fetch(
            "SELECT tenant_id::text, kind, status FROM provisioner.resources"
            " WHERE tenant_id::text = ANY($1) AND status <> 'DELETED'",
            ids,
        ):
            kind = row[1] if row[2] == "CREATED" else f"{row[1]} ({row[2]})"
            ledger.setdefault(row[0], Counter())[kind] += 1
        keys = await _counts(
            control,
            "SELECT tenant_id::text, count(*) FROM provisioner.api_keys"
            " WHERE tenant_id::text = ANY($1) AND revoked_at IS NULL GROUP BY 1",
            ids,
        )
        subscriptions = await _counts(
            control,
            "SELECT tenant_id::text, count(*) FROM provisioner.subscriptions"
            " WHERE tenant_id::text = ANY($1) AND status = 'ACTIVE' GROUP BY 1",
            ids,
        )
        invoices = await _counts(
            control,
            "SELECT tenant_id::text, count(*) FROM tenant_api.invoices"
            " WHERE tenant_id::text = ANY($1) GROUP BY 1",
            ids,
        )
    finally:
        await control.close()
    data = await asyncpg.connect(stack.settings_env["TENANT_DATA_DSN"])
    try:
        schemas = {
            r[0]
            for r in await data.fetch(
                "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)", names
            )
        }
        roles = {
            r[0]
            for r in await data.fetch("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", names)
        }
        policies = {
            r[0]
            for r in await data.fetch(
                "SELECT policyname FROM pg_policies WHERE schemaname = 'pooled'"
                " AND policyname = ANY($1)",
                names,
            )
        }
        pooled_rows = (
            await _counts(
                data,
                "SELECT tenant_id::text, count(*) FROM pooled.tenants"
                " WHERE tenant_id::text = ANY($1) GROUP BY 1",
                ids,
            )
            if "pooled" in {t["tier"] for t in tenants}
            else Counter()
        )
    finally:
        await data.close()

    problems: list[str] = []
    for tenant in tenants:
        tid, tier, name = tenant["id"], tenant["tier"], stack.names.role_prefix + tenant["key"]
        found: list[str] = []
        if status.get(tid) != "ACTIVE":
            found.append(f"status {status.get(tid)}")
        kinds = ledger.get(tid, Counter())
        if kinds != Counter(dict.fromkeys(LEDGER[tier], 1)):
            found.append(f"ledger {dict(kinds)}")
        for what, counter in (("api keys", keys), ("subscriptions", subscriptions)):
            if counter[tid] != 1:
                found.append(f"{counter[tid]} live {what}")
        if invoices[tid] != 1:
            found.append(f"{invoices[tid]} invoices")
        if tier == "silo" and not (name in schemas and name in roles):
            found.append("schema or role missing")
        if tier == "pooled" and not (pooled_rows[tid] == 1 and name in policies):
            found.append(f"{pooled_rows[tid]} pooled rows, policy {name in policies}")
        if found:
            problems.append(f"{tid} ({tier}): " + "; ".join(found))
    return {
        "checked": len(tenants),
        "active": sum(1 for t in tenants if status.get(t["id"]) == "ACTIVE"),
        "with_problems": len(problems),
        "examples": problems[:MAX_EXAMPLES],
        "ok": not problems,
    }
