"""Scenario 4, gateway reads: `GET /tenants/{id}/config` (served from Redis after a generation
check) and `GET /tenants/{id}`, each tenant reading its own with its own token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from bench.http_raw import render
from bench.scenarios.base import Context, Scenario
from bench.scenarios.fixtures import active_tenants
from bench.scenarios.http_load import run_http_scenario

DISTINCT_REQUESTS = 1000


class _TenantRead(Scenario):
    suffix = ""

    async def run(self, ctx: Context) -> dict[str, Any]:
        tenants = await active_tenants(ctx, ctx.options.read_tenants)
        host = ctx.stack.gateway.removeprefix("http://")
        requests = []
        for i in range(DISTINCT_REQUESTS):
            tenant = tenants[i % len(tenants)]
            token = ctx.stack.token("tenant", f"bench:tenant:{tenant['id']}", UUID(tenant["id"]))
            path = f"/tenants/{tenant['id']}{self.suffix}"
            requests.append(render("GET", host, path, headers={"Authorization": f"Bearer {token}"}))
        return await run_http_scenario(
            ctx,
            name=self.name,
            url=ctx.stack.gateway + "/",
            requests=requests,
            expected=frozenset({200}),
            params={"tenants": len(tenants), "caller": "the tenant's own token (role tenant)"},
        )


class ConfigReads(_TenantRead):
    name = "config"
    title = "Gateway reads: GET /tenants/{id}/config (cached)"
    suffix = "/config"


class TenantReads(_TenantRead):
    name = "tenant"
    title = "Gateway reads: GET /tenants/{id}"
    suffix = ""
