"""Scenario 4, gateway reads: `GET /tenants/{id}/config` (served from Redis after a generation
check) and `GET /tenants/{id}`, each tenant reading its own with its own token; and
`POST /api-keys/verify`, each tenant's services checking its key (one statement, no cache)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from bench.http_raw import render
from bench.scenarios.base import Context, Scenario
from bench.scenarios.fixtures import active_tenants, tenant_api_keys
from bench.scenarios.http_load import run_http_scenario

DISTINCT_REQUESTS = 1000
RequestAt = Callable[[str, int], bytes]  # (host, i) → the i-th request's bytes


class _GatewayRead(Scenario):
    """wrk cycling through DISTINCT_REQUESTS requests over the shared ACTIVE tenants."""

    caller = ""

    async def run(self, ctx: Context) -> dict[str, Any]:
        tenants = await active_tenants(ctx, ctx.options.read_tenants)
        request = await self.request_for(ctx, tenants)
        host = ctx.stack.gateway.removeprefix("http://")
        return await run_http_scenario(
            ctx,
            name=self.name,
            url=ctx.stack.gateway + "/",
            requests=[request(host, i) for i in range(DISTINCT_REQUESTS)],
            expected=frozenset({200}),
            params={"tenants": len(tenants), "caller": self.caller},
        )

    async def request_for(self, ctx: Context, tenants: list[dict[str, Any]]) -> RequestAt:
        raise NotImplementedError


class _TenantRead(_GatewayRead):
    suffix = ""
    caller = "the tenant's own token (role tenant)"

    async def request_for(self, ctx: Context, tenants: list[dict[str, Any]]) -> RequestAt:
        def request(host: str, i: int) -> bytes:
            tenant = tenants[i % len(tenants)]
            token = ctx.stack.token("tenant", f"bench:tenant:{tenant['id']}", UUID(tenant["id"]))
            path = f"/tenants/{tenant['id']}{self.suffix}"
            return render("GET", host, path, headers={"Authorization": f"Bearer {token}"})

        return request


class ConfigReads(_TenantRead):
    name = "config"
    title = "Gateway reads: GET /tenants/{id}/config (cached)"
    suffix = "/config"


class TenantReads(_TenantRead):
    name = "tenant"
    title = "Gateway reads: GET /tenants/{id}"
    suffix = ""


class KeyVerifications(_GatewayRead):
    name = "verify"
    title = "Gateway reads: POST /api-keys/verify (no cache)"
    caller = "no token: each tenant's key in the body"

    async def request_for(self, ctx: Context, tenants: list[dict[str, Any]]) -> RequestAt:
        keys = await tenant_api_keys(ctx, tenants)
        async with httpx.AsyncClient(base_url=ctx.stack.gateway, timeout=10) as api:
            # wrk sees statuses only, and a refused key is a 200 too: check they are accepted.
            for key in keys:
                answer = (await api.post("/api-keys/verify", json={"apiKey": key})).json()
                if answer.get("active") is not True:
                    raise RuntimeError(f"a setup key is refused: {answer}")
        headers = {"Content-Type": "application/json"}

        def request(host: str, i: int) -> bytes:
            body = json.dumps({"apiKey": keys[i % len(keys)]}).encode()
            return render("POST", host, "/api-keys/verify", headers=headers, body=body)

        return request
