"""Operators' views of the leads (`GET /leads`, `/leads/count`, `/leads/{id}`), internal to the
gateway: through the real ASGI app on the run's PostgreSQL and RabbitMQ."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from lead_verifier.settings import LeadVerifierSettings
from service_kit.internal_calls import INTERNAL_CALLER_HEADER
from service_kit_testing import SqlRunner

from ..leads import Visitor, signup_body  # type: ignore[import-not-found]

LEAD_FIELDS = {
    "id",
    "firstName",
    "lastName",
    "companyName",
    "email",
    "address",
    "status",
    "createdAt",
    "verifiedAt",
}


@pytest.fixture
def internal(settings: LeadVerifierSettings) -> dict[str, str]:
    return {INTERNAL_CALLER_HEADER: settings.internal_api_token.get_secret_value()}


def a_domain() -> str:
    """An e-mail domain no other test's leads have: each test counts only its own."""
    return f"d{uuid.uuid4().hex[:10]}.example"


async def signed_up(client: httpx.AsyncClient, domain: str, n: int) -> list[str]:
    """`n` leads with addresses at `domain`, oldest first."""
    ids = []
    for i in range(n):
        response = await client.post("/leads", json=signup_body(email=f"p{i}@{domain}"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def created_on(sql: SqlRunner, lead_id: str, day: int) -> None:
    await sql(
        "UPDATE lead_verifier.leads SET created_at = :at WHERE id = :id",
        at=datetime(2020, 1, day, tzinfo=UTC),
        id=uuid.UUID(lead_id),
    )


async def listed(
    client: httpx.AsyncClient, internal: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every page of `GET /leads` with these filters, in order."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        response = await client.get("/leads", params=query, headers=internal)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "nextCursor"}
        items += body["items"]
        cursor = body["nextCursor"]
        if cursor is None:
            return items


async def counted(client: httpx.AsyncClient, internal: dict[str, str], **params: Any) -> int:
    response = await client.get("/leads/count", params=params, headers=internal)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"count"}
    count: int = response.json()["count"]
    return count


async def test_pages_walk_every_lead_once_newest_first(
    client: httpx.AsyncClient, internal: dict[str, str], sql: SqlRunner
) -> None:
    domain = a_domain()
    ids = await signed_up(client, domain, 5)
    # Two share a creation time: the id orders them, and neither is lost between pages.
    for lead_id, day in zip(ids, [1, 2, 3, 3, 4], strict=True):
        await created_on(sql, lead_id, day)

    pages = []
    cursor = None
    while True:
        query = {"emailDomain": domain, "limit": 2, **({"after": cursor} if cursor else {})}
        body = (await client.get("/leads", params=query, headers=internal)).json()
        pages.append([lead["id"] for lead in body["items"]])
        cursor = body["nextCursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [2, 2, 1]
    walked = [lead_id for page in pages for lead_id in page]
    assert sorted(walked) == sorted(ids), "every lead exactly once"
    tied = sorted(ids[2:4], reverse=True)
    assert walked == [ids[4], *tied, ids[1], ids[0]]


async def test_each_filter_and_its_count(
    client: httpx.AsyncClient,
    internal: dict[str, str],
    sql: SqlRunner,
    visitor: Visitor,
) -> None:
    domain = a_domain()
    verified, code = await visitor.sign_up(email=f"v@{domain}")
    ok = await visitor.verify(verified, code)
    assert ok.status_code == 200, ok.text
    pending = await signed_up(client, domain, 3)
    for lead_id, day in zip([verified, *pending], [1, 2, 3, 4], strict=True):
        await created_on(sql, lead_id, day)
    other = await signed_up(client, a_domain(), 1)

    async def ids(page_size: int = 2, **params: Any) -> list[str]:
        items = await listed(client, internal, limit=page_size, **params)
        assert await counted(client, internal, **params) == len(items), params
        return [lead["id"] for lead in items]

    newest_first = [*reversed(pending), verified]
    assert await ids(emailDomain=domain) == newest_first
    assert await ids(emailDomain=domain.upper()) == newest_first, "case does not matter"
    assert await ids(emailDomain=domain, status="VERIFIED") == [verified]
    assert await ids(emailDomain=domain, status="PENDING") == list(reversed(pending))
    assert await ids(emailDomain=domain, **{"from": "2020-01-03T00:00:00Z"}) == newest_first[:2]
    assert await ids(emailDomain=domain, to="2020-01-03T00:00:00+00:00") == [pending[0], verified]
    window = {"from": "2020-01-02T00:00:00Z", "to": "2020-01-04T00:00:00Z"}
    assert await ids(emailDomain=domain, **window) == [pending[1], pending[0]]
    assert await ids(emailDomain="nobody." + domain) == []
    # Without a domain filter the others' leads are there too, and the count says as much.
    everyone = await ids(page_size=200, **{"from": "2019-12-31T00:00:00Z"})
    assert set(newest_first + other) <= set(everyone)

    shown = (await client.get(f"/leads/{verified}", headers=internal)).json()
    assert set(shown) == LEAD_FIELDS
    assert shown["status"] == "VERIFIED"
    assert shown["verifiedAt"] is not None
    assert shown["email"] == f"v@{domain}"
    assert shown["address"]["city"] == "London"


async def test_no_answer_holds_a_code_or_its_digest(
    client: httpx.AsyncClient,
    internal: dict[str, str],
    visitor: Visitor,
    sql: SqlRunner,
) -> None:
    domain = a_domain()
    lead_id, code = await visitor.sign_up(email=f"ada@{domain}")
    (stored,) = await sql(
        "SELECT code_digest FROM lead_verifier.verification_codes WHERE lead_id = :id",
        id=uuid.UUID(lead_id),
    )
    assert stored.code_digest == hashlib.sha256(code.encode()).hexdigest()

    answers = [
        await client.get("/leads", params={"emailDomain": domain}, headers=internal),
        await client.get("/leads/count", params={"emailDomain": domain}, headers=internal),
        await client.get(f"/leads/{lead_id}", headers=internal),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        raw = answer.text
        for secret in (code, stored.code_digest, "code", "digest", "idempotency", "link"):
            assert secret not in raw, (secret, raw)
    assert set(answers[0].json()["items"][0]) == LEAD_FIELDS
    assert set(answers[2].json()) == LEAD_FIELDS


@pytest.mark.parametrize("path", ["/leads", "/leads/count", f"/leads/{uuid.uuid4()}"])
@pytest.mark.parametrize("credential", [None, "", "dev-only-internal-api-token-but-wrong-0123456"])
async def test_internal_routes_refuse_callers_without_the_internal_credential(
    client: httpx.AsyncClient, path: str, credential: str | None
) -> None:
    headers = {} if credential is None else {INTERNAL_CALLER_HEADER: credential}
    response = await client.get(path, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401
    assert INTERNAL_CALLER_HEADER in body["detail"]
    assert "@" not in response.text, "nothing of any lead"


async def test_an_unknown_lead_is_a_404_problem(
    client: httpx.AsyncClient, internal: dict[str, str]
) -> None:
    response = await client.get(f"/leads/{uuid.uuid4()}", headers=internal)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No such lead."


@pytest.mark.parametrize(
    "params",
    [
        {"status": "SLEEPING"},
        {"limit": 0},
        {"limit": 201},
        {"after": "not-a-cursor"},
        {"from": "2020-01-01T00:00:00"},  # no time zone
        {"from": "2021-01-01T00:00:00Z", "to": "2020-01-01T00:00:00Z"},
        {"emailDomain": "ada@engines.example"},
        {"email": "ada@engines.example"},  # not a filter
    ],
)
async def test_invalid_queries_are_422_problems(
    client: httpx.AsyncClient, internal: dict[str, str], params: dict[str, Any]
) -> None:
    response = await client.get("/leads", params=params, headers=internal)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
