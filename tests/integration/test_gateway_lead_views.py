"""Operators' lead views through the gateway, with lead-verifier behind it for real.

lead-verifier and the gateway each run behind a real uvicorn server on the run's PostgreSQL,
Redis and RabbitMQ; lead-verifier reaches PostgreSQL through a `TcpProxy`, so that a test can
make it stop answering (`proxied_lead_verifier`). `tenantctl` runs in a process of its own
against the served gateway.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from service_kit.tokens import mint_token
from service_kit_testing import (
    SqlRunner,
    TcpProxy,
    TestInfra,
    migrate_service,
    served,
    sql_runner,
    started,
)
from tenant_api.app import create_app as gateway_app
from tenant_api.settings import TenantApiSettings
from tests.integration.proxied_lead_verifier import SERVICES, proxied_lead_verifier

PROBLEM = "application/problem+json"
NOBODY_LISTENS = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Stage:
    gateway: httpx.AsyncClient
    gateway_url: str
    verifier_url: str
    settings: TenantApiSettings
    database: TcpProxy  # between lead-verifier and PostgreSQL
    sql: SqlRunner
    env: dict[str, str]

    def bearer(self, role: str, **claims: Any) -> dict[str, str]:
        token = mint_token(
            self.settings, role=role, sub=f"test:{role}", ttl=timedelta(minutes=5), **claims
        )
        return {"Authorization": f"Bearer {token}"}


def gateway_settings(infra: TestInfra, **overrides: Any) -> TenantApiSettings:
    settings: TenantApiSettings = infra.settings(
        TenantApiSettings,
        **{
            "upstream_timeout": 1.0,
            "redis_key_prefix": infra.redis_prefix("lead-views"),
            "public_api_max_attempts": 10_000,
            "auth_api_max_requests": 100_000,
            **overrides,
        },
    )
    return settings


# One gateway and one lead-verifier for the module: every test uses leads of its own domain.
@pytest.fixture(scope="module")
async def stage(infra: TestInfra) -> AsyncIterator[Stage]:
    await migrate_service(SERVICES / "tenant-api", infra)
    async with AsyncExitStack() as stack:
        verifier = await stack.enter_async_context(proxied_lead_verifier(infra))
        settings = gateway_settings(infra, lead_verifier_url=verifier.url)
        gateway_url = await stack.enter_async_context(served(gateway_app(settings)))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url))
        env = {**os.environ, **infra.env, "GATEWAY_URL": gateway_url}
        yield Stage(
            client,
            gateway_url,
            verifier.url,
            settings,
            verifier.database,
            sql_runner(infra.database_url),
            env,
        )


@asynccontextmanager
async def another_gateway(settings: TenantApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A second gateway in this process, with settings of its own."""
    async with started(gateway_app(settings)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def signed_up(stage: Stage, domain: str, n: int) -> list[str]:
    """`n` leads at `domain`, signed up through the gateway, oldest first (a day apart)."""
    ids = []
    for i in range(n):
        body = {
            "firstName": "Ada",
            "lastName": f"Lovelace {i}",
            "companyName": "Analytical Engines",
            "email": f"ada{i}@{domain}",
            "address": {"address": "1 Loom St", "city": "London", "country": "GB"},
        }
        answer = await stage.gateway.post("/leads", json=body)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
        await stage.sql(
            "UPDATE lead_verifier.leads SET created_at = :at WHERE id = :id",
            at=datetime(2020, 1, 1 + i, tzinfo=UTC),
            id=uuid.UUID(answer.json()["id"]),
        )
    return ids


def a_domain() -> str:
    return f"g{uuid.uuid4().hex[:10]}.example"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize("role", ["admin", "operator"])
async def test_staff_read_leads_and_the_counts_match_the_lists(stage: Stage, role: str) -> None:
    domain = a_domain()
    ids = await signed_up(stage, domain, 5)
    await stage.sql(
        "UPDATE lead_verifier.leads SET status = 'VERIFIED', verified_at = now() WHERE id = :id",
        id=uuid.UUID(ids[1]),
    )
    staff = stage.bearer(role)

    async def walk(**filters: Any) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            query = {**filters, "limit": 2, **({"after": cursor} if cursor else {})}
            page = await stage.gateway.get("/leads", params=query, headers=staff)
            assert page.status_code == 200, page.text
            seen += [lead["id"] for lead in page.json()["items"]]
            cursor = page.json()["nextCursor"]
            if cursor is None:
                return seen

    async def count(**filters: Any) -> int:
        answer = await stage.gateway.get("/leads/count", params=filters, headers=staff)
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == {"count"}
        n: int = answer.json()["count"]
        return n

    everyone = await walk(emailDomain=domain)
    assert everyone == list(reversed(ids)), "newest first, every page passed on, each lead once"
    for filters in (
        {"emailDomain": domain},
        {"emailDomain": domain.upper(), "status": "PENDING"},
        {"emailDomain": domain, "status": "VERIFIED"},
        {"emailDomain": domain, "from": "2020-01-02T00:00:00Z", "to": "2020-01-04T00:00:00Z"},
    ):
        assert await count(**filters) == len(await walk(**filters)), filters
    assert await walk(emailDomain=domain, status="VERIFIED") == [ids[1]]

    one = await stage.gateway.get(f"/leads/{ids[1]}", headers=staff)
    assert one.status_code == 200, one.text
    assert one.json()["id"] == ids[1]
    assert one.json()["status"] == "VERIFIED"
    assert one.json()["email"] == f"ada1@{domain}"
    (code,) = await stage.sql(
        "SELECT code_digest FROM lead_verifier.verification_codes WHERE lead_id = :id",
        id=uuid.UUID(ids[1]),
    )
    assert code.code_digest not in one.text
    assert "code" not in one.text.lower()


@pytest.mark.parametrize("path", ["/leads", "/leads/count", f"/leads/{uuid.uuid4()}"])
async def test_tenant_and_lead_tokens_are_403_and_no_token_401(stage: Stage, path: str) -> None:
    tenant = stage.bearer("tenant", tenant_id=uuid.uuid4())
    lead = stage.bearer("lead", lead_id=uuid.uuid4())
    for refused in (tenant, lead):
        body = assert_problem(await stage.gateway.get(path, headers=refused), 403)
        assert "admin, operator" in body["detail"]
    assert_problem(await stage.gateway.get(path), 401)
    assert_problem(await stage.gateway.get(path, headers={"Authorization": "Bearer nope"}), 401)


async def test_an_unknown_lead_is_a_404_problem(stage: Stage) -> None:
    path = f"/leads/{uuid.uuid4()}"
    body = assert_problem(await stage.gateway.get(path, headers=stage.bearer("operator")), 404)
    assert body["detail"] == "No such lead."
    assert body["instance"] == path
    not_an_id = await stage.gateway.get("/leads/not-a-uuid", headers=stage.bearer("operator"))
    assert_problem(not_an_id, 422)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "SLEEPING"},
        {"limit": 201},
        {"from": "2021-01-01T00:00:00Z", "to": "2020-01-01T00:00:00Z"},
        {"emailDomain": "a@b.example"},
        {"after": "not-a-cursor"},
    ],
)
async def test_invalid_filters_are_422_problems(stage: Stage, params: dict[str, Any]) -> None:
    answer = await stage.gateway.get("/leads", params=params, headers=stage.bearer("admin"))
    assert assert_problem(answer, 422)["errors"]


async def test_the_internal_routes_are_closed_to_anyone_but_the_gateway(stage: Stage) -> None:
    async with httpx.AsyncClient(base_url=stage.verifier_url) as direct:
        for path in ("/leads", "/leads/count"):
            assert_problem(await direct.get(path), 401)
            # Not even with an operator's token: only the gateway's own credential opens them.
            assert_problem(await direct.get(path, headers=stage.bearer("operator")), 401)


async def test_lead_verifier_down_is_a_503_problem(infra: TestInfra, stage: Stage) -> None:
    async with another_gateway(gateway_settings(infra, lead_verifier_url=NOBODY_LISTENS)) as gw:
        for path in ("/leads", "/leads/count", f"/leads/{uuid.uuid4()}"):
            answer = await gw.get(path, headers=stage.bearer("operator"))
            body = assert_problem(answer, 503)
            assert answer.headers["retry-after"] == "5"
            assert body["detail"] == "Leads cannot be read right now; please try again shortly."


async def test_lead_verifier_not_answering_is_a_504_problem(stage: Stage) -> None:
    stage.database.black_hole()
    try:
        answer = await stage.gateway.get("/leads/count", headers=stage.bearer("operator"))
    finally:
        stage.database.let_through()
    body = assert_problem(answer, 504)
    assert answer.headers["retry-after"] == "5"
    assert "retry it" in body["detail"]


async def test_a_gateway_with_another_internal_token_gets_a_502_never_a_401(
    infra: TestInfra, stage: Stage
) -> None:
    wrong = SecretStr("not-the-token-lead-verifier-knows-0123456789")
    settings = gateway_settings(
        infra, lead_verifier_url=stage.verifier_url, internal_api_token=wrong
    )
    async with another_gateway(settings) as gw:
        answer = await gw.get("/leads", headers=stage.bearer("admin"))
    body = assert_problem(answer, 502)
    assert body["type"].endswith("/upstream-refused")
    assert "INTERNAL_API_TOKEN" in body["detail"]
    assert "www-authenticate" not in answer.headers, "the operator's token is not at fault"


async def tenantctl(
    stage: Stage, *args: str, role: str = "operator", **claims: Any
) -> tuple[int, str, str]:
    """`tenantctl ARGS` as an operator (or `role`) runs it: (exit status, stdout, stderr)."""
    token = stage.bearer(role, **claims)["Authorization"].removeprefix("Bearer ")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tenant_api.cli.main",
        *args,
        env={**stage.env, "TENANTCTL_TOKEN": token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_tenantctl_lists_shows_and_counts_leads(stage: Stage) -> None:
    domain = a_domain()
    ids = await signed_up(stage, domain, 3)

    code, out, err = await tenantctl(stage, "leads", "count", "--email-domain", domain)
    assert (code, out, err) == (0, "3\n", "")
    code, out, _ = await tenantctl(
        stage, "leads", "count", "--email-domain", domain, "--from", "2020-01-02T00:00:00Z"
    )
    assert (code, out) == (0, "2\n")

    code, out, err = await tenantctl(
        stage, "leads", "list", "--email-domain", domain, "--limit", "2"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "EMAIL", "NAME", "COMPANY", "CREATED"]
    assert [line.split()[0] for line in lines[1:3]] == [ids[2], ids[1]]
    assert lines[3] == "2 lead(s) (more: `GET /leads?after=<nextCursor>`)"

    code, out, err = await tenantctl(stage, "leads", "show", ids[0])
    assert code == 0, err
    assert f"email     ada0@{domain}" in out.splitlines()
    assert "status    PENDING" in out.splitlines()
    assert "address   1 Loom St, London, GB" in out.splitlines()

    code, out, err = await tenantctl(stage, "leads", "show", str(uuid.uuid4()))
    assert (code, out, err) == (1, "", "tenantctl: 404: No such lead.\n")
    code, out, err = await tenantctl(stage, "leads", "list", role="tenant", tenant_id=uuid.uuid4())
    assert (code, out) == (1, "")
    assert err == "tenantctl: 403: This needs one of the roles: admin, operator.\n"


async def test_tenantctl_counts_tenants_with_the_list_filters(stage: Stage) -> None:
    prefix = "k" + uuid.uuid4().hex[:8]
    for i, tier in enumerate(["pooled", "silo", "silo"]):
        body = {
            "key": f"{prefix}{i}",
            "name": "Initech",
            "domains": ["initech.example"],
            "tier": tier,
            "contact": {"firstName": "Bill", "lastName": "L", "email": "bill@initech.example"},
        }
        made = await stage.gateway.post("/tenants", json=body, headers=stage.bearer("admin"))
        assert made.status_code == 201, made.text

    assert await tenantctl(stage, "tenants", "count", "--key-prefix", prefix) == (0, "3\n", "")
    counted = await tenantctl(stage, "tenants", "count", "--key-prefix", prefix, "--tier", "silo")
    assert counted == (0, "2\n", "")
    code, out, err = await tenantctl(stage, "tenants", "count", "--created-from", "yesterday")
    assert (code, out) == (1, "")
    assert "createdFrom" in err
