"""GET /tenants: filters, stable newest-first cursor pages, and who may list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, onboard, tokens  # type: ignore[import-not-found]
from ..saga import Sql  # type: ignore[import-not-found]
from ..tenant_filters import INVALID_FILTERS  # type: ignore[import-not-found]


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


async def all_pages(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        response = await client.get("/tenants", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "nextCursor"}
        pages.append(body["items"])
        cursor = body["nextCursor"]
        if cursor is None:
            return pages


async def test_cursor_pages_are_newest_first_and_stable(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    prefix = "p" + uuid.uuid4().hex[:6]
    keys = [f"{prefix}{i}" for i in range(5)]
    for key in keys:
        await onboard(client, token, key=key)
    admin = bearer(token("admin"))

    pages = await all_pages(client, admin, keyPrefix=prefix, limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]  # no empty last page
    seen = [t["key"] for page in pages for t in page]
    assert seen == list(reversed(keys))

    # A tenant onboarded between two pages neither shifts nor repeats the later ones.
    first = await client.get("/tenants", params={"keyPrefix": prefix, "limit": 2}, headers=admin)
    await onboard(client, token, key=f"{prefix}9")
    rest = await client.get(
        "/tenants",
        params={"keyPrefix": prefix, "limit": 100, "after": first.json()["nextCursor"]},
        headers=admin,
    )
    assert [t["key"] for t in rest.json()["items"]] == seen[2:]

    # Equal creation times: the id breaks the tie, so paging one by one still sees each once.
    await sql(
        "UPDATE tenant_api.tenants SET created_at = :at WHERE key LIKE :p",
        at=datetime(2030, 1, 1, tzinfo=UTC),
        p=f"{prefix}%",
    )
    singles = await all_pages(client, admin, keyPrefix=prefix, limit=1)
    ids = [page[0]["id"] for page in singles]
    assert len(ids) == 6
    assert ids == sorted(ids, reverse=True)


async def test_filters_combine(client: httpx.AsyncClient, token: Token, sql: Sql) -> None:
    prefix = "f" + uuid.uuid4().hex[:6]
    pooled = await onboard(client, token, key=f"{prefix}a", tier="pooled")
    silo = await onboard(client, token, key=f"{prefix}b", tier="silo")
    old = await onboard(client, token, key=f"{prefix}c", tier="silo")
    await sql(
        "UPDATE tenant_api.tenants SET created_at = :at, status = 'ACTIVE' WHERE id = :i",
        at=datetime(2020, 6, 1, tzinfo=UTC),
        i=uuid.UUID(old["id"]),
    )
    operator = bearer(token("operator"))

    async def keys(**params: Any) -> list[str]:
        response = await client.get(
            "/tenants", params={"keyPrefix": prefix, **params}, headers=operator
        )
        assert response.status_code == 200, response.text
        return [t["key"] for t in response.json()["items"]]

    assert await keys() == [silo["key"], pooled["key"], old["key"]]
    assert await keys(tier="silo") == [silo["key"], old["key"]]
    assert await keys(status="ACTIVE") == [old["key"]]
    assert await keys(status="PENDING_PROVISION", tier="pooled") == [pooled["key"]]
    assert await keys(createdTo="2021-01-01T00:00:00Z") == [old["key"]]
    assert await keys(
        createdFrom="2020-06-01T00:00:00+00:00", createdTo="2020-06-01T00:00:01Z"
    ) == [old["key"]]
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert await keys(createdFrom=since, tier="silo") == [silo["key"]]
    assert await keys(keyPrefix=f"{prefix}b") == [silo["key"]]
    assert await keys(keyPrefix="zz" + prefix) == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 101},
        {"limit": 0},
        {"after": "not-a-cursor"},
        {"after": "MjAyMC0wMS0wMXxub3QtYS11dWlk"},  # base64 of a time and a non-uuid
        *INVALID_FILTERS,
    ],
)
async def test_invalid_queries_are_422_problems(
    client: httpx.AsyncClient, token: Token, params: dict[str, Any]
) -> None:
    response = await client.get("/tenants", params=params, headers=bearer(token("admin")))
    body = assert_problem(response, 422)
    assert body["errors"]


async def test_a_tenant_token_never_lists_tenants(client: httpx.AsyncClient, token: Token) -> None:
    tenant = await onboard(client, token)
    own = bearer(token("tenant", tenant_id=tenant["id"]))
    assert_problem(await client.get("/tenants", headers=own), 403)
    lead = bearer(token("lead", lead_id=uuid.uuid4()))
    assert_problem(await client.get("/tenants", headers=lead), 403)
    assert_problem(await client.get("/tenants"), 401)


def _cursor(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/tenants", {"createdFrom": "0001-01-01T00:00:00+14:00"}, "createdFrom"),
        ("/tenants", {"createdTo": "9999-12-31T23:59:59-14:00"}, "createdTo"),
        ("/admin/dead-letters", {"from": "0001-01-01T00:00:00+14:00"}, "from"),
        ("/admin/dead-letters", {"to": "9999-12-31T23:59:59-14:00"}, "to"),
        ("/tenants", {"after": _cursor(f"0001-01-01T00:00:00+14:00|{uuid.UUID(int=1)}")}, "after"),
    ],
)
async def test_times_outside_what_utc_can_hold_are_422_naming_the_field(
    client: httpx.AsyncClient, token: Token, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params, headers=bearer(token("admin")))
    body = assert_problem(response, 422)
    assert [e["loc"] for e in body["errors"]] == [["query", field]]


async def test_a_bulk_replay_window_outside_utc_is_422_naming_the_field(
    client: httpx.AsyncClient, token: Token
) -> None:
    window = {"from": "0001-01-01T00:00:00+14:00", "to": "9999-12-31T23:59:59-14:00"}
    response = await client.post(
        "/admin/dead-letters/replay", json=window, headers=bearer(token("admin"))
    )
    body = assert_problem(response, 422)
    assert sorted(e["loc"][-1] for e in body["errors"]) == ["from", "to"]
