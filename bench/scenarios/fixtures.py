"""Tenants that read scenarios need: onboarded, provisioned and ACTIVE before measuring."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx

from bench.loadgen.saga import onboarding_body
from bench.scenarios.base import Context


def tenant_key(prefix: str = "b") -> str:
    return prefix + secrets.token_hex(6)  # 13 of a-z0-9: within the key pattern's 3..20


async def active_tenants(ctx: Context, count: int, timeout: float = 120.0) -> list[dict[str, Any]]:
    """`count` pooled tenants, ACTIVE (made once per run, then shared by the read scenarios)."""
    if cached := ctx.shared.get("active_tenants"):
        return list(cached)
    token = ctx.stack.token("admin", "bench:admin")
    headers = {"Authorization": f"Bearer {token}"}
    _, update = ctx.task("setup: tenants for the read scenarios", count)
    async with httpx.AsyncClient(base_url=ctx.stack.gateway, headers=headers, timeout=10) as api:
        tenants = []
        for _ in range(count):
            created = await api.post("/tenants", json=onboarding_body(tenant_key(), "pooled"))
            created.raise_for_status()
            tenant = created.json()
            (await api.post(f"/tenants/{tenant['id']}/provision")).raise_for_status()
            tenants.append(tenant)
        deadline = time.monotonic() + timeout
        waiting = {t["id"] for t in tenants}
        while waiting:
            for tenant_id in list(waiting):
                status = (await api.get(f"/tenants/{tenant_id}")).json()["status"]
                if status == "ACTIVE":
                    waiting.discard(tenant_id)
                elif status != "PROVISIONING":
                    raise RuntimeError(f"setup tenant {tenant_id} ended {status}")
            update(count - len(waiting))
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"{len(waiting)} setup tenants not ACTIVE after {timeout}s")
            if waiting:
                await asyncio.sleep(0.2)
    ctx.shared["active_tenants"] = tenants
    return tenants


async def tenant_api_keys(ctx: Context, tenants: list[dict[str, Any]]) -> list[str]:
    """One API key per tenant, made by an admin (once per run, then shared)."""
    if cached := ctx.shared.get("api_keys"):
        return list(cached)
    token = ctx.stack.token("admin", "bench:admin")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=ctx.stack.gateway, headers=headers, timeout=10) as api:
        keys = []
        for tenant in tenants:
            made = await api.post(f"/tenants/{tenant['id']}/api-keys", json={"name": "bench"})
            made.raise_for_status()
            keys.append(made.json()["apiKey"])
    ctx.shared["api_keys"] = keys
    return keys
