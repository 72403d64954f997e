"""`GET /webhooks/deliveries`: every receipt with its outcome, for admins and operators only."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ..conftest import OpenRun, arc_headers, callback_body  # type: ignore[import-not-found]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ["admin", "operator"])
async def test_staff_see_every_receipt_newest_first(
    client: httpx.AsyncClient, open_run: OpenRun, token: Callable[[str], str], role: str
) -> None:
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers = arc_headers(run, body)
    forged = {**headers, "x-signature": "0" * 64}
    for sent in (forged, headers, headers):
        await client.post("/webhooks/provisioning", content=body, headers=sent)

    response = await client.get(
        "/webhooks/deliveries", params={"tenantId": str(tenant_id)}, headers=bearer(token(role))
    )

    assert response.status_code == 200, response.text
    page = response.json()
    assert len(page["items"]) == 3
    assert page.get("nextCursor") is None, "one page holds them all"
    assert [(i["outcome"], i["reason"]) for i in page["items"]] == [
        ("duplicate", None),
        ("accepted", None),
        ("rejected", "bad_signature"),
    ]
    newest = page["items"][0]
    assert newest["tenantId"] == str(tenant_id)
    assert newest["pipelineId"] == str(run.pipeline_id)
    assert newest["scheme"] == "arc"
    assert "x-signature" not in newest["headers"]
    assert len(newest["bodySha256"]) == 64

    rejected = await client.get(
        "/webhooks/deliveries",
        params={"tenantId": str(tenant_id), "outcome": "rejected", "limit": 5},
        headers=bearer(token(role)),
    )
    assert [i["reason"] for i in rejected.json()["items"]] == ["bad_signature"]


async def test_every_receipt_is_reached_page_by_page_through_the_cursor(
    client: httpx.AsyncClient, open_run: OpenRun, token: Callable[[str], str]
) -> None:
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    forged = {**arc_headers(run, body), "x-signature": "0" * 64}
    for _ in range(5):
        await client.post("/webhooks/provisioning", content=body, headers=forged)
    everything = await client.get(
        "/webhooks/deliveries", params={"tenantId": str(tenant_id)}, headers=bearer(token("admin"))
    )

    seen: list[str] = []
    params = {"tenantId": str(tenant_id), "limit": "2"}
    while True:
        page = (
            await client.get("/webhooks/deliveries", params=params, headers=bearer(token("admin")))
        ).json()
        seen += [i["id"] for i in page["items"]]
        if not page.get("nextCursor"):
            break
        params["after"] = page["nextCursor"]

    assert seen == [i["id"] for i in everything.json()["items"]]
    assert len(seen) == 5


async def test_a_cursor_this_api_did_not_return_is_a_422_problem(
    client: httpx.AsyncClient, token: Callable[[str], str]
) -> None:
    response = await client.get(
        "/webhooks/deliveries", params={"after": "not a cursor"}, headers=bearer(token("admin"))
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "after"]


async def test_receipts_without_a_tenant_are_listed_too(
    client: httpx.AsyncClient, token: Callable[[str], str]
) -> None:
    await client.post("/webhook", content=b"{}", headers={"x-request-id": "no-tenant"})

    response = await client.get(
        "/webhooks/deliveries", params={"outcome": "rejected"}, headers=bearer(token("operator"))
    )

    assert any(
        i["headers"].get("x-request-id") == "no-tenant" and i["reason"] == "missing_headers"
        for i in response.json()["items"]
    )


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer not-a-jwt", 401), ("Basic abc", 401)],
)
async def test_without_a_valid_token_it_is_401(
    client: httpx.AsyncClient, authorization: str | None, status: int
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/webhooks/deliveries", headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["tenant", "lead"])
async def test_other_roles_get_403(
    client: httpx.AsyncClient, token: Callable[[str], str], role: str
) -> None:
    response = await client.get("/webhooks/deliveries", headers=bearer(token(role)))
    assert response.status_code == 403
