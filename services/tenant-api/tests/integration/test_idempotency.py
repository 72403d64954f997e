"""Idempotency-Key through the gateway: one effect per key, the first answer for every retry."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from service_kit.tokens import decode_token, mint_token
from service_kit_testing import TestInfra, publish_raw
from tenant_api.app import create_app
from tenant_api.idempotency.caller import caller_of
from tenant_api.idempotency.rules import Completed, Pending, fingerprint, storage_key
from tenant_api.idempotency.store import IdempotencyStore
from tenant_api.settings import TenantApiSettings

from ..conftest import lead_verified  # type: ignore[import-not-found]
from ..gateway import bearer  # type: ignore[import-not-found]
from ..gateway import gateway_settings as shared_settings  # type: ignore[import-not-found]
from ..saga import processed  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]
PROBLEM = "application/problem+json"
PROBLEMS = "https://controlplane.dev/problems/"


def gateway_settings(infra: TestInfra, **overrides: Any) -> TenantApiSettings:
    """With Redis keys of this test only."""
    return shared_settings(infra, **{"redis_key_prefix": infra.redis_prefix("idem"), **overrides})


@asynccontextmanager
async def gateway(settings: TenantApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


@pytest.fixture
def idem_settings(infra: TestInfra) -> TenantApiSettings:
    return gateway_settings(infra)


@pytest.fixture
async def gw(idem_settings: TenantApiSettings, migrated: None) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(idem_settings) as client:
        yield client


def admin(settings: TenantApiSettings, sub: str = "test:admin") -> dict[str, str]:
    return bearer(mint_token(settings, role="admin", sub=sub, ttl=timedelta(minutes=5)))


def tenant_body(key: str | None = None) -> dict[str, Any]:
    key = key or "t" + uuid.uuid4().hex[:12]
    return {
        "key": key,
        "name": f"Initech {key}",
        "domains": ["initech.example"],
        "tier": "pooled",
        "contact": {"firstName": "Bill", "lastName": "Lumbergh", "email": "bill@initech.example"},
    }


def idem(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def tenants_with_key(sql: Sql, key: str) -> int:
    rows = await sql("SELECT count(*) FROM tenant_api.tenants WHERE key = :k", k=key)
    return int(rows[0][0])


async def test_twenty_concurrent_retries_create_one_tenant_and_get_one_answer(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings, sql: Sql
) -> None:
    body = tenant_body()
    headers = idem(admin(idem_settings), str(uuid.uuid4()))
    answers = await asyncio.gather(
        *(gw.post("/tenants", json=body, headers=headers) for _ in range(20))
    )
    assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert await tenants_with_key(sql, body["key"]) == 1
    replayed = [a for a in answers if a.headers.get("idempotent-replayed") == "true"]
    assert len(replayed) == 19


async def test_a_retry_gets_the_stored_answer_marked_as_replayed(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings, sql: Sql
) -> None:
    body = tenant_body()
    headers = idem(admin(idem_settings), "retry-" + uuid.uuid4().hex)
    first = await gw.post("/tenants", json=body, headers=headers)
    again = await gw.post("/tenants", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # its own request
    assert again.headers["x-content-type-options"] == "nosniff"  # outer headers still apply
    assert await tenants_with_key(sql, body["key"]) == 1


async def test_the_same_key_with_another_body_is_422_and_runs_nothing(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings, sql: Sql
) -> None:
    headers = idem(admin(idem_settings), "reuse-" + uuid.uuid4().hex)
    first = await gw.post("/tenants", json=tenant_body(), headers=headers)
    assert first.status_code == 201, first.text
    other = tenant_body()
    refused = await gw.post("/tenants", json=other, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"] == PROBLEMS + "idempotency-key-reuse"
    assert await tenants_with_key(sql, other["key"]) == 0


async def test_another_caller_with_the_same_key_is_independent(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings, sql: Sql
) -> None:
    key = "shared-" + uuid.uuid4().hex
    mine, theirs = tenant_body(), tenant_body()
    ada = await gw.post("/tenants", json=mine, headers=idem(admin(idem_settings, "ada"), key))
    bob = await gw.post("/tenants", json=theirs, headers=idem(admin(idem_settings, "bob"), key))
    assert ada.status_code == bob.status_code == 201, (ada.text, bob.text)
    assert "idempotent-replayed" not in bob.headers
    assert ada.json()["id"] != bob.json()["id"]
    assert await tenants_with_key(sql, mine["key"]) == 1
    assert await tenants_with_key(sql, theirs["key"]) == 1


async def test_a_final_4xx_is_replayed(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings, sql: Sql
) -> None:
    body = tenant_body()
    taken = await gw.post("/tenants", json=body, headers=admin(idem_settings))
    assert taken.status_code == 201, taken.text
    headers = idem(admin(idem_settings), "dup-" + uuid.uuid4().hex)
    first = await gw.post("/tenants", json=body, headers=headers)
    again = await gw.post("/tenants", json=body, headers=headers)
    assert first.status_code == again.status_code == 409, first.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == PROBLEM
    assert again.content == first.content


async def test_without_the_header_writes_behave_as_before(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings
) -> None:
    body = tenant_body()
    first = await gw.post("/tenants", json=body, headers=admin(idem_settings))
    second = await gw.post("/tenants", json=body, headers=admin(idem_settings))
    assert (first.status_code, second.status_code) == (201, 409)
    assert "idempotent-replayed" not in second.headers


@pytest.mark.parametrize(
    "value", [b"", b"x" * 256, "cl\u00e9".encode(), b"tab\there", b"caf\xc3\xa9"]
)
async def test_an_invalid_key_is_a_400_problem_and_runs_nothing(
    gw: httpx.AsyncClient, idem_settings: TenantApiSettings, sql: Sql, value: bytes
) -> None:
    body = tenant_body()
    headers: list[tuple[bytes, bytes]] = [
        (k.encode(), v.encode()) for k, v in admin(idem_settings).items()
    ]
    answer = await gw.post("/tenants", json=body, headers=[*headers, (b"idempotency-key", value)])
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == PROBLEMS + "invalid-idempotency-key"
    assert await tenants_with_key(sql, body["key"]) == 0


async def test_a_5xx_is_not_kept_so_a_retry_runs_again(gw: httpx.AsyncClient) -> None:
    sign_up = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Engines",
        "email": "ada@engines.example",
    }
    headers = {"Idempotency-Key": "lead-" + uuid.uuid4().hex}
    first = await gw.post("/leads", json=sign_up, headers=headers)
    again = await gw.post("/leads", json=sign_up, headers=headers)
    assert first.status_code == again.status_code == 503, first.text  # lead-verifier is down
    assert "idempotent-replayed" not in again.headers


async def test_onboardings_409_still_being_processed_is_not_kept_so_the_retry_onboards(
    infra: TestInfra, migrated: None, sql: Sql
) -> None:
    settings = gateway_settings(infra, lead_facts_wait=0.1)
    lead_id = uuid.uuid4()
    token = mint_token(
        settings, role="lead", sub=f"lead:{lead_id}", lead_id=lead_id, ttl=timedelta(minutes=5)
    )
    headers = idem(bearer(token), "onboard-" + uuid.uuid4().hex)
    body = {"key": "t" + uuid.uuid4().hex[:12], "domains": ["engines.example"], "tier": "pooled"}
    path = f"/leads/{lead_id}/tenants"
    async with gateway(settings) as client:
        early = await client.post(path, json=body, headers=headers)
        assert early.status_code == 409, early.text
        assert early.headers["retry-after"] == "1"

        facts = lead_verified(lead_id, f"ada-{lead_id.hex[:6]}@engines.example")
        await publish_raw(infra, facts.type, facts.model_dump_json().encode())
        await processed(sql, "lead-facts", [facts])
        retried = await client.post(path, json=body, headers=headers)
        assert retried.status_code == 201, retried.text
        assert "idempotent-replayed" not in retried.headers, "the 409 was not kept"

        replayed = await client.post(path, json=body, headers=headers)
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == retried.content
    assert replayed.headers["content-type"] == retried.headers["content-type"] == "application/json"
    assert "retry-after" not in replayed.headers
    assert await tenants_with_key(sql, body["key"]) == 1


async def waiting_setup(
    settings: TenantApiSettings, key: str, body: dict[str, Any], *, hold_seconds: int = 30
) -> tuple[Redis, IdempotencyStore, str, Pending]:
    """Claim `key` as if another request with `body` were running; the store and its key."""
    headers = admin(settings)
    scope = {
        "type": "http",
        "headers": [(b"authorization", headers["Authorization"].encode())],
        "client": ("192.0.2.10", 5000),
    }

    async def verify(token: str) -> dict[str, Any]:
        return decode_token(token, settings, leeway=settings.jwt_leeway)

    caller = await caller_of(scope, verify, ())
    name = storage_key(settings.redis_key_prefix, caller, "POST", "/tenants", key)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    store = IdempotencyStore(
        redis, ttl_seconds=settings.idempotency_ttl_seconds, lease_seconds=hold_seconds
    )
    raw = httpx.Request("POST", "http://gateway/tenants", json=body).content
    claim = Pending(fingerprint("POST", "/tenants", raw), owner="elsewhere")
    assert await store.claim(name, claim)
    return redis, store, name, claim


async def test_a_retry_waits_for_the_running_request_and_gets_its_answer(
    infra: TestInfra, migrated: None, sql: Sql
) -> None:
    settings = gateway_settings(infra, idempotency_lock_seconds=5)
    key, body = "wait-" + uuid.uuid4().hex, tenant_body()
    redis, store, name, claim = await waiting_setup(settings, key, body)
    try:
        async with gateway(settings) as client:
            retry = asyncio.create_task(
                client.post("/tenants", json=body, headers=idem(admin(settings), key))
            )
            await asyncio.sleep(0.3)
            assert not retry.done()
            answer = Completed(
                claim.fingerprint, 201, (("content-type", "application/json"),), b"{}"
            )
            assert await store.complete(name, claim, answer)
            replayed = await retry
    finally:
        await redis.aclose()
    assert replayed.status_code == 201
    assert replayed.content == b"{}"
    assert replayed.headers["idempotent-replayed"] == "true"
    assert await tenants_with_key(sql, body["key"]) == 0  # only the other request ran


async def test_a_request_that_never_finishes_leaves_retries_a_409(
    infra: TestInfra, migrated: None, sql: Sql
) -> None:
    settings = gateway_settings(infra, idempotency_lock_seconds=1)
    key, body = "stuck-" + uuid.uuid4().hex, tenant_body()
    # The other request holds its claim longer than this gateway's lock time: it never ends.
    redis, _, _, _ = await waiting_setup(settings, key, body, hold_seconds=30)
    await redis.aclose()
    async with gateway(settings) as client:
        started = asyncio.get_running_loop().time()
        answer = await client.post("/tenants", json=body, headers=idem(admin(settings), key))
        waited = asyncio.get_running_loop().time() - started
    assert answer.status_code == 409, answer.text
    assert answer.json()["type"] == PROBLEMS + "idempotency-key-in-progress"
    assert answer.json()["detail"] == "a request with this Idempotency-Key is still in progress"
    assert 1.0 <= waited < 3.0
    assert await tenants_with_key(sql, body["key"]) == 0


async def test_without_redis_a_keyed_write_is_503_and_runs_nothing(
    infra: TestInfra, migrated: None, sql: Sql
) -> None:
    settings = gateway_settings(infra, redis_url="redis://127.0.0.1:9/0")
    body = tenant_body()
    async with gateway(settings) as client:
        answer = await client.post(
            "/tenants", json=body, headers=idem(admin(settings), uuid.uuid4().hex)
        )
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == PROBLEMS + "idempotency-unavailable"
    assert await tenants_with_key(sql, body["key"]) == 0


async def test_the_openapi_documents_the_header_on_every_write(gw: httpx.AsyncClient) -> None:
    spec = (await gw.get("/openapi.json")).json()
    writes = 0
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            if method in ("post", "put", "patch", "delete"):
                writes += 1
                assert names.count("Idempotency-Key") == 1, operation["operationId"]
                assert {"409", "422"} <= set(operation["responses"]), operation["operationId"]
            else:
                assert "Idempotency-Key" not in names, operation["operationId"]
    assert writes >= 9


async def test_a_path_of_any_characters_is_answered_not_500(
    gw: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    response = await gw.post(
        "/tenants/%F0%AD%B2%82%18/suspend", headers=idem(admin(settings), uuid.uuid4().hex)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["path", "tenant_id"]
