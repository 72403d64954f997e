"""One invoice, paying it (once), listing by status; and GET /plans/{id}."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, tokens  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, processed  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


async def test_an_invoice_is_paid_once(
    client: httpx.AsyncClient, token: Token, provisioning: Provisioning, sql: Sql
) -> None:
    saga = await provisioning()
    first, second = saga.invoice("49.00"), saga.invoice("19.00")
    await saga.publish(first, second)
    await processed(sql, "invoices", [first, second])
    base = f"/tenants/{saga.tenant_id}/invoices"
    admin = bearer(token("admin"))
    url = f"{base}/{first.data.invoice_id}"

    shown = await client.get(url, headers=bearer(token("tenant", tenant_id=saga.tenant_id)))
    assert shown.status_code == 200
    assert shown.json()["status"] == "PENDING"
    assert shown.json()["paidAt"] is None

    paid = await client.post(f"{url}/pay", headers=admin)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "PAID"
    assert paid.json()["paidAt"] is not None
    assert (await client.get(url, headers=admin)).json() == paid.json()

    again = assert_problem(await client.post(f"{url}/pay", headers=admin), 409)
    assert again["invoiceStatus"] == "PAID"
    assert (await client.get(url, headers=admin)).json()["paidAt"] == paid.json()["paidAt"]

    async def ids(status: str | None) -> list[str]:
        params = {"status": status} if status else {}
        page = (await client.get(base, params=params, headers=admin)).json()
        return [i["id"] for i in page["items"]]

    assert await ids("PAID") == [str(first.data.invoice_id)]
    assert await ids("PENDING") == [str(second.data.invoice_id)]
    assert await ids("CANCELLED") == []
    assert len(await ids(None)) == 2
    assert_problem(await client.get(base, params={"status": "OVERDUE"}, headers=admin), 422)

    await sql(
        "UPDATE tenant_api.invoices SET status = 'CANCELLED' WHERE id = :i",
        i=second.data.invoice_id,
    )
    cancelled = await client.post(f"{base}/{second.data.invoice_id}/pay", headers=admin)
    assert assert_problem(cancelled, 409)["invoiceStatus"] == "CANCELLED"


async def test_concurrent_payments_pay_once(
    client: httpx.AsyncClient, token: Token, provisioning: Provisioning, sql: Sql
) -> None:
    saga = await provisioning()
    invoice = saga.invoice()
    await saga.publish(invoice)
    await processed(sql, "invoices", [invoice])
    url = f"/tenants/{saga.tenant_id}/invoices/{invoice.data.invoice_id}/pay"
    admin = bearer(token("admin"))
    answers = await asyncio.gather(*(client.post(url, headers=admin) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]


async def test_invoices_stay_with_their_tenant(
    client: httpx.AsyncClient, token: Token, provisioning: Provisioning, sql: Sql
) -> None:
    saga, other = await provisioning(), await provisioning()
    invoice = saga.invoice()
    await saga.publish(invoice)
    await processed(sql, "invoices", [invoice])
    url = f"/tenants/{saga.tenant_id}/invoices/{invoice.data.invoice_id}"
    stranger = bearer(token("tenant", tenant_id=other.tenant_id))
    own = bearer(token("tenant", tenant_id=saga.tenant_id))
    admin = bearer(token("admin"))

    assert_problem(await client.get(url, headers=stranger), 404)
    assert_problem(await client.post(f"{url}/pay", headers=stranger), 403)  # admins only
    assert_problem(await client.post(f"{url}/pay", headers=own), 403)
    assert_problem(await client.post(f"{url}/pay", headers=bearer(token("operator"))), 403)
    misplaced = f"/tenants/{other.tenant_id}/invoices/{invoice.data.invoice_id}"
    assert_problem(await client.get(misplaced, headers=admin), 404)
    assert_problem(await client.post(f"{misplaced}/pay", headers=admin), 404)
    unknown = f"/tenants/{saga.tenant_id}/invoices/{uuid.uuid4()}"
    assert_problem(await client.get(unknown, headers=admin), 404)
    assert_problem(await client.post(f"{unknown}/pay", headers=admin), 404)
    assert_problem(await client.get(f"/tenants/{saga.tenant_id}/invoices/nope", headers=admin), 422)
    assert (await client.get(url, headers=admin)).json()["status"] == "PENDING"


async def test_one_plan(client: httpx.AsyncClient, token: Token) -> None:
    headers = bearer(token("tenant", tenant_id=uuid.uuid4()))
    plans = (await client.get("/plans", headers=headers)).json()["items"]
    for plan in plans:
        response = await client.get(f"/plans/{plan['id']}", headers=headers)
        assert response.status_code == 200
        assert response.json() == plan
    assert_problem(await client.get("/plans/nope", headers=headers), 404)
    assert_problem(await client.get("/plans/standard"), 401)
