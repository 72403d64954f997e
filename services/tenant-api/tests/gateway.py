"""Helpers for the gateway tests of tenants, contacts, invoices and config."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx

from service_kit.tokens import mint_token
from service_kit_testing import TestInfra, asgi_client, served, started
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from .saga import FakeProvisioner

Token = Callable[..., str]
# Nothing listens on port 9: the gateway answers 503 for /leads at once instead of hanging.
NO_LEAD_VERIFIER = "http://127.0.0.1:9"


def gateway_settings(infra: TestInfra, **overrides: Any) -> TenantApiSettings:
    """The gateway's settings for a test: no lead-verifier behind it, then the test's own."""
    values: dict[str, Any] = {"lead_verifier_url": NO_LEAD_VERIFIER, **overrides}
    settings: TenantApiSettings = infra.settings(TenantApiSettings, **values)
    return settings


@asynccontextmanager
async def gateway(settings: TenantApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Another tenant-api (a replica, or one with other settings) on the test's database and
    broker, started with its lifespan, and a client for it."""
    async with started(create_app(settings)) as app, asgi_client(app, "gateway") as client:
        yield client


def tokens(settings: TenantApiSettings) -> Token:
    """Tokens whose subjects belong to one test: per-subject rate limits never add up."""
    run = uuid.uuid4().hex[:8]

    def make(role: str, **claims: Any) -> str:
        return mint_token(
            settings, role=role, sub=f"test:{role}:{run}", ttl=timedelta(minutes=5), **claims
        )

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_key(prefix: str = "t") -> str:
    return prefix + uuid.uuid4().hex[: 20 - len(prefix)]


async def onboard(
    client: httpx.AsyncClient,
    token: Token,
    *,
    key: str | None = None,
    name: str = "Initech",
    tier: str = "pooled",
    plan_id: str | None = None,
    domains: Sequence[str] = ("initech.example",),
    email: str = "bill@initech.example",
    address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A tenant onboarded directly by an admin (PENDING_PROVISION), as JSON."""
    body: dict[str, Any] = {
        "key": key or unique_key(),
        "name": name,
        "domains": list(domains),
        "tier": tier,
        "contact": {"firstName": "Bill", "lastName": "Lumbergh", "email": email},
    }
    if address is not None:
        body["address"] = address
    if plan_id is not None:
        body["planId"] = plan_id
    response = await client.post("/tenants", json=body, headers=bearer(token("admin")))
    assert response.status_code == 201, response.text
    tenant: dict[str, Any] = response.json()
    return tenant


async def provision(
    client: httpx.AsyncClient, token: Token, infra: TestInfra, tenant: dict[str, Any]
) -> FakeProvisioner:
    """The tenant's provisioning started by an admin; the provisioner's side of it."""
    started = await client.post(
        f"/tenants/{tenant['id']}/provision", headers=bearer(token("admin"))
    )
    assert started.status_code == 202, started.text
    return FakeProvisioner(infra, uuid.UUID(tenant["id"]), uuid.UUID(started.json()["pipelineId"]))


async def start_provisioning(
    client: httpx.AsyncClient, token: Token, infra: TestInfra
) -> FakeProvisioner:
    """A tenant onboarded by an admin, its provisioning started; the provisioner's side of it."""
    return await provision(client, token, infra, await onboard(client, token))


@asynccontextmanager
async def operator_shell(
    infra: TestInfra, settings: TenantApiSettings, **env: str
) -> AsyncIterator[tuple[dict[str, str], httpx.AsyncClient]]:
    """The gateway served on a real port: the environment an operator runs `tenantctl` in
    (with `env` added), and a client to set the scene through."""
    async with served(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as client:
        yield {**os.environ, **infra.env, "GATEWAY_URL": url, **env}, client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def tenantctl(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `tenantctl ARGS` as an operator would, in a process of its own: (status, out, err)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tenant_api.cli.main",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
