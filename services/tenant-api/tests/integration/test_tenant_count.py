"""GET /tenants/count: the number of tenants GET /tenants lists with the same filters, and the
same rule on who may ask."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
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


async def test_the_count_is_the_length_of_the_list_for_every_filter(
    client: httpx.AsyncClient, token: Token, sql: Sql
) -> None:
    prefix = "c" + uuid.uuid4().hex[:6]
    for i, tier in enumerate(["pooled", "silo", "silo", "pooled", "silo"]):
        await onboard(client, token, key=f"{prefix}{i}", tier=tier)
    await sql(
        "UPDATE tenant_api.tenants SET created_at = :at, status = 'ACTIVE' WHERE key = :k",
        at=datetime(2020, 6, 1, tzinfo=UTC),
        k=f"{prefix}2",
    )
    operator = bearer(token("operator"))

    async def listed(**params: Any) -> int:
        seen, cursor = 0, None
        while True:
            query = {**params, "limit": 2, **({"after": cursor} if cursor else {})}
            page = await client.get("/tenants", params=query, headers=operator)
            assert page.status_code == 200, page.text
            seen += len(page.json()["items"])
            cursor = page.json()["nextCursor"]
            if cursor is None:
                return seen

    async def counted(**params: Any) -> int:
        response = await client.get("/tenants/count", params=params, headers=operator)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"count"}
        count: int = response.json()["count"]
        return count

    for params, expected in [
        ({}, 5),
        ({"tier": "silo"}, 3),
        ({"status": "ACTIVE"}, 1),
        ({"status": "PENDING_PROVISION", "tier": "silo"}, 2),
        ({"createdTo": "2021-01-01T00:00:00Z"}, 1),
        ({"createdFrom": "2021-01-01T00:00:00+00:00"}, 4),
        ({"keyPrefix": f"{prefix}1"}, 1),
        ({"keyPrefix": "zz" + prefix[1:]}, 0),
    ]:
        scoped = {"keyPrefix": prefix, **params}
        assert await counted(**scoped) == await listed(**scoped) == expected, scoped
    assert await counted() == await listed() >= 5, "no filter: every tenant"


async def test_only_those_who_may_list_may_count(client: httpx.AsyncClient, token: Token) -> None:
    tenant = await onboard(client, token)
    assert (await client.get("/tenants/count", headers=bearer(token("admin")))).status_code == 200
    own = bearer(token("tenant", tenant_id=tenant["id"]))
    assert_problem(await client.get("/tenants/count", headers=own), 403)
    lead = bearer(token("lead", lead_id=uuid.uuid4()))
    assert_problem(await client.get("/tenants/count", headers=lead), 403)
    body = assert_problem(await client.get("/tenants/count"), 401)
    assert "count" not in body


@pytest.mark.parametrize("params", INVALID_FILTERS)
async def test_invalid_filters_are_422_problems_as_for_the_list(
    client: httpx.AsyncClient, token: Token, params: dict[str, Any]
) -> None:
    admin = bearer(token("admin"))
    counted = assert_problem(await client.get("/tenants/count", params=params, headers=admin), 422)
    listed = assert_problem(await client.get("/tenants", params=params, headers=admin), 422)
    assert counted["errors"] == listed["errors"]
