"""GET /admin/audit: every tenant's timeline entries; each filter narrows, cursor pages walk
every entry once while new ones arrive, and the exports hold exactly the matching entries."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from service_kit.tokens import mint_token
from service_kit_testing import TestInfra, publish_event
from shared_schemas.events import TenantUpdated, TenantUpdatedData, ValueChange
from tenant_api.audit.export import CSV_HEADER
from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, gateway_settings, onboard, tokens  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, eventually  # type: ignore[import-not-found]
from ..timeline import settled, timeline  # type: ignore[import-not-found]

BATCH = 3  # AUDIT_EXPORT_BATCH here: every export below spans several batches


@pytest.fixture
def settings(infra: TestInfra) -> TenantApiSettings:
    return gateway_settings(
        infra,
        public_api_max_attempts=10_000,
        auth_api_max_requests=100_000,
        audit_export_batch=BATCH,
    )


@pytest.fixture
def token(settings: TenantApiSettings) -> Token:
    return tokens(settings)


def sub_of(token: str) -> str:
    sub: str = jwt.decode(token, options={"verify_signature": False})["sub"]
    return sub


def newest_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In the audit's order: (occurredAt, id) descending."""
    return sorted(
        entries, key=lambda e: (datetime.fromisoformat(e["occurredAt"]), e["id"]), reverse=True
    )


async def audit(
    client: httpx.AsyncClient, headers: dict[str, str], **filters: str
) -> list[dict[str, Any]]:
    """Every entry the audit answers for `filters`, page after page."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        params = {**filters, "limit": "200", **({"after": after} if after else {})}
        answer = await client.get("/admin/audit", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        found += answer.json()["items"]
        after = answer.json()["nextCursor"]
        if after is None:
            return found


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entries]


async def test_each_filter_narrows_the_trail(
    client: httpx.AsyncClient, token: Token, sql: Sql, infra: TestInfra
) -> None:
    admin_token = token("admin")
    admin = bearer(admin_token)
    a = await onboard(client, token)
    b = await onboard(client, token)
    assert (
        await client.patch(f"/tenants/{a['id']}", json={"name": "Alpha"}, headers=admin)
    ).is_success
    contact = {"firstName": "Peter", "lastName": "Gibbons", "email": "peter@initech.example"}
    added = await client.post(f"/tenants/{a['id']}/contacts", json=contact, headers=admin)
    assert added.status_code == 201
    own = bearer(token("tenant", tenant_id=a["id"]))
    stored = await client.put(
        f"/tenants/{a['id']}/credentials/stripe", json={"clientId": "abc-123"}, headers=own
    )
    assert stored.status_code == 201
    assert (
        await client.patch(f"/tenants/{b['id']}", json={"name": "Beta"}, headers=admin)
    ).is_success
    # What the saga does on its own names nobody: the provisioner's first invoice.
    provisioner = FakeProvisioner(infra, uuid.UUID(a["id"]), uuid.uuid4())
    await provisioner.publish(provisioner.invoice())

    async def invoiced() -> list[dict[str, Any]] | None:
        lines = await timeline(client, sql, a["id"], admin, types="")
        return lines if any(e["type"] == "billing.invoice_issued" for e in lines) else None

    of_a = await eventually(invoiced, what="the invoice on A's timeline")
    of_b = await timeline(client, sql, b["id"], admin, types="")
    staff = bearer(token("operator"))

    assert await audit(client, staff, tenant=a["id"]) == newest_first(
        [{**e, "tenantId": a["id"]} for e in of_a]
    )
    everyone = [{**e, "tenantId": a["id"]} for e in of_a] + [
        {**e, "tenantId": b["id"]} for e in of_b
    ]

    def where(keep: Any) -> list[str]:
        return ids(newest_first([e for e in everyone if keep(e)]))

    admin_sub = sub_of(admin_token)
    by_admin = where(lambda e: e["actor"] and e["actor"]["sub"] == admin_sub)
    assert ids(await audit(client, staff, actor=admin_sub)) == by_admin
    assert len(by_admin) == 5  # two onboardings, two renames, one contact
    assert ids(await audit(client, staff, actor=admin_sub, tenant=b["id"])) == where(
        lambda e: e["tenantId"] == b["id"] and e["actor"]
    )
    assert ids(await audit(client, staff, tenant=a["id"], role="tenant")) == where(
        lambda e: e["type"] == "tenant.credential_stored"
    )
    assert ids(await audit(client, staff, tenant=a["id"], type="tenant.contact_*")) == where(
        lambda e: e["type"] == "tenant.contact_added"
    )
    assert ids(await audit(client, staff, tenant=a["id"], type="tenant.updated")) == where(
        lambda e: e["tenantId"] == a["id"] and e["type"] == "tenant.updated"
    )
    assert ids(await audit(client, staff, tenant=a["id"], type="tenant.*")) == where(
        lambda e: e["tenantId"] == a["id"] and e["type"].startswith("tenant.")
    )
    actions = await audit(client, staff, tenant=a["id"], onlyActions="true")
    assert ids(actions) == where(lambda e: e["tenantId"] == a["id"] and e["actor"])
    assert "billing.invoice_issued" not in {e["type"] for e in actions}
    assert len(actions) == len(of_a) - 1

    # A window: `from` inclusive, `to` exclusive, at the exact time of an entry.
    rename = next(e for e in of_a if e["type"] == "tenant.updated")
    at = datetime.fromisoformat(rename["occurredAt"])
    since = ids(await audit(client, staff, tenant=a["id"], **{"from": rename["occurredAt"]}))
    until = ids(await audit(client, staff, tenant=a["id"], to=rename["occurredAt"]))
    assert rename["id"] in since
    assert rename["id"] not in until
    assert since == where(
        lambda e: e["tenantId"] == a["id"] and datetime.fromisoformat(e["occurredAt"]) >= at
    )
    assert until == where(
        lambda e: e["tenantId"] == a["id"] and datetime.fromisoformat(e["occurredAt"]) < at
    )


async def test_pages_walk_every_entry_once_while_new_ones_arrive(
    client: httpx.AsyncClient, token: Token, sql: Sql, infra: TestInfra
) -> None:
    tenant = await onboard(client, token)
    tid = uuid.UUID(tenant["id"])
    admin = bearer(token("admin"))
    for n in range(8):
        renamed = await client.patch(
            f"/tenants/{tid}", json={"name": f"Initech {n}"}, headers=admin
        )
        assert renamed.status_code == 200
    await settled(sql, tid)
    before = await audit(client, admin, tenant=str(tid))
    assert len(before) == 9

    walked: list[dict[str, Any]] = []
    newer: list[str] = []
    late: list[str] = []
    after = None
    while True:
        params = {"tenant": str(tid), "limit": "2", **({"after": after} if after else {})}
        page = (await client.get("/admin/audit", params=params, headers=admin)).json()
        walked += page["items"]
        after = page["nextCursor"]
        if after is None:
            break
        # Between two pages: an entry newer than any (an edit now), and a late one that
        # happened before this page's last entry (published as a producer would, delayed).
        renamed = await client.patch(
            f"/tenants/{tid}", json={"name": f"Initrode {len(newer)}"}, headers=admin
        )
        assert renamed.status_code == 200
        newer.append(await _newest_update(client, admin, tid, newer))
        when = datetime.fromisoformat(page["items"][-1]["occurredAt"]) - timedelta(milliseconds=1)
        late.append(await _late_update(infra, sql, tid, when))

    seen = ids(walked)
    assert len(seen) == len(set(seen)), "an entry came twice"
    assert set(ids(before)) <= set(seen), "an entry was skipped"
    assert set(late) <= set(seen)  # inserted ahead of the cursor: reached in their turn
    assert set(newer).isdisjoint(seen)  # inserted behind it: a new walk's
    assert walked == newest_first(walked)
    assert len(newer) >= 4


async def _newest_update(
    client: httpx.AsyncClient, admin: dict[str, str], tid: uuid.UUID, known: list[str]
) -> str:
    """The id of the tenant's newest `tenant.updated`, once it is a new one."""

    async def fresh() -> str | None:
        (top,) = (
            await client.get(
                "/admin/audit",
                params={"tenant": str(tid), "type": "tenant.updated", "limit": "1"},
                headers=admin,
            )
        ).json()["items"]
        return (
            None
            if top["id"] in known or top["data"]["changes"]["name"]["after"].startswith("Initech")
            else str(top["id"])
        )

    return await eventually(fresh, what="the edit on the trail")


async def _late_update(infra: TestInfra, sql: Sql, tid: uuid.UUID, when: datetime) -> str:
    data = TenantUpdatedData(tenant_id=tid, changes={"name": ValueChange(before="a", after="b")})
    event = TenantUpdated.build(
        data, producer="tenant-api", correlation_id=tid, tenant_id=tid, occurred_at=when
    )
    await publish_event(infra, event)

    async def recorded() -> bool:
        rows = await sql("SELECT 1 FROM tenant_api.tenant_events WHERE event_id = :e", e=event.id)
        return bool(rows)

    await eventually(recorded, what="the late event on the timeline")
    return str(event.id)


async def test_exports_hold_exactly_the_matching_entries(
    client: httpx.AsyncClient, token: Token, sql: Sql, settings: TenantApiSettings
) -> None:
    tenant = await onboard(client, token)
    url = f"/tenants/{tenant['id']}"
    admin = bearer(token("admin"))
    for name in ("Initrode", "Initech, Inc.", 'The "Initech" Corp'):
        assert (await client.patch(url, json={"name": name}, headers=admin)).is_success
    contact = {"firstName": "Peter", "lastName": "Gibbons", "email": "peter@initech.example"}
    assert (await client.post(f"{url}/contacts", json=contact, headers=admin)).is_success
    # A subject a spreadsheet would run as a formula.
    formula = mint_token(settings, role="admin", sub="=HYPERLINK(1)", ttl=timedelta(minutes=5))
    assert (await client.patch(url, json={"name": "Formula"}, headers=bearer(formula))).is_success
    await settled(sql, tenant["id"])
    expected = await audit(client, admin, tenant=tenant["id"])
    assert len(expected) == 6 > BATCH

    answer = await client.get(
        "/admin/audit", params={"tenant": tenant["id"], "format": "csv"}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="audit-')
    assert disposition.endswith('.csv"')
    header, *rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(header) == CSV_HEADER
    assert [dict(zip(header, row, strict=True)) for row in rows] == [_as_csv(e) for e in expected]
    assert [json.loads(row[-1]) for row in rows] == [e["data"] for e in expected]

    lines = await client.get(
        "/admin/audit", params={"tenant": tenant["id"], "format": "jsonl"}, headers=admin
    )
    assert lines.headers["content-type"] == "application/x-ndjson"
    assert lines.headers["content-disposition"].endswith('.jsonl"')
    assert [json.loads(line) for line in lines.text.splitlines()] == expected

    contacts = await client.get(
        "/admin/audit",
        params={"tenant": tenant["id"], "type": "tenant.contact_*", "format": "jsonl"},
        headers=admin,
    )
    assert [json.loads(line)["type"] for line in contacts.text.splitlines()] == [
        "tenant.contact_added"
    ]
    nobody = await client.get(
        "/admin/audit", params={"tenant": str(uuid.uuid4()), "format": "csv"}, headers=admin
    )
    assert nobody.text == ",".join(CSV_HEADER) + "\r\n"


def _as_csv(entry: dict[str, Any]) -> dict[str, str]:
    """The CSV row an entry should be: cells a spreadsheet would run start with `'`."""
    actor = entry["actor"] or {"sub": "", "role": ""}
    sub = actor["sub"]
    return {
        "id": entry["id"],
        "occurredAt": entry["occurredAt"],
        "tenantId": entry["tenantId"],
        "type": entry["type"],
        "actorSub": f"'{sub}" if sub.startswith("=") else sub,
        "actorRole": actor["role"],
        "producer": entry["producer"],
        "summary": entry["summary"],
        "data": json.dumps(entry["data"], separators=(",", ":"), ensure_ascii=False),
    }


async def test_only_staff_read_it_and_bad_filters_are_422_problems(
    client: httpx.AsyncClient, token: Token
) -> None:
    tenant = await onboard(client, token)
    own = bearer(token("tenant", tenant_id=tenant["id"]))
    for headers in (own, bearer(token("lead", lead_id=uuid.uuid4()))):
        for params in ({}, {"tenant": tenant["id"], "format": "csv"}):
            refused = await client.get("/admin/audit", params=params, headers=headers)
            assert "roles: admin, operator" in assert_problem(refused, 403)["detail"]
    assert_problem(await client.get("/admin/audit"), 401)

    admin = bearer(token("admin"))
    for params, blamed in (
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-01-01T00:00:00"}, "from"),  # no zone: not an instant
        ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
        ({"to": "soon", "format": "csv"}, "to"),
        ({"type": "tenant.*.x"}, "type"),
        ({"type": "*"}, "type"),
        ({"role": "root"}, "role"),
        ({"tenant": "acme"}, "tenant"),
        ({"actor": ""}, "actor"),
        ({"onlyActions": "maybe"}, "onlyActions"),
        ({"format": "xml"}, "format"),
        ({"after": "not-a-cursor"}, "after"),
        ({"limit": "0"}, "limit"),
    ):
        problem = assert_problem(
            await client.get("/admin/audit", params=params, headers=admin), 422
        )
        assert [e["loc"] for e in problem["errors"]] == [["query", blamed]], params
