"""The vault's store, reveal (and refused reveal) and delete go on the tenant's timeline, with
who asked, and never a credential value: not on the timeline, not in the outbox."""

from __future__ import annotations

import uuid

from ..desk import Desk  # type: ignore[import-not-found]
from ..timeline import settled, timeline  # type: ignore[import-not-found]
from ..vault import SECRET  # type: ignore[import-not-found]

CLIENT_ID = "initech-app-000123"
BODY = {"clientId": CLIENT_ID, "clientSecret": SECRET}
# What a credential's values look like anywhere: plaintext, masked, or a piece of either.
VALUE_TRACES = (SECRET, SECRET[:8], SECRET[-8:], CLIENT_ID, "sk…06", "in…23")


async def test_vault_entries_name_the_provider_and_the_caller_never_a_value(desk: Desk) -> None:
    tenant_id = (await desk.new_tenant())["id"]
    admin = desk.admin
    own = desk.own(uuid.UUID(tenant_id))
    url = f"/tenants/{tenant_id}/credentials/stripe"

    assert (await desk.client.put(url, json=BODY, headers=own)).status_code == 201
    assert (await desk.client.put(url, json=BODY, headers=admin)).status_code == 200
    assert (await desk.client.get(url, headers=own)).status_code == 200  # masked: no entry
    revealed = await desk.client.get(url, params={"reveal": "true"}, headers=admin)
    assert revealed.json()["values"] == BODY
    assert (await desk.client.get(url, params={"reveal": "true"}, headers=own)).status_code == 403
    assert (await desk.client.delete(url, headers=admin)).status_code == 204
    # Nothing there: nothing revealed, nothing deleted, nothing recorded.
    assert (await desk.client.get(url, params={"reveal": "true"}, headers=admin)).status_code == 404
    assert (await desk.client.delete(url, headers=admin)).status_code == 404

    entries = await timeline(desk.client, desk.sql, tenant_id, admin, types="tenant.credential_")
    # Every entry names the tenant and the provider; what else each says, in order:
    expected = [
        ("tenant.credential_stored", "tenant", {"created": True}),
        ("tenant.credential_stored", "admin", {"created": False}),
        ("tenant.credential_revealed", "admin", {"allowed": True}),
        ("tenant.credential_revealed", "tenant", {"allowed": False}),
        ("tenant.credential_deleted", "admin", {}),
    ]
    assert [(e["type"], e["actor"]["role"], e["data"]) for e in entries] == [
        (kind, role, {"tenant_id": tenant_id, "provider": "stripe", **more})
        for kind, role, more in expected
    ]
    assert entries[3]["summary"] == "tenant: credential reveal refused: stripe"

    await settled(desk.sql, tenant_id)
    stored = await desk.sql(
        "SELECT e::text FROM tenant_api.tenant_events e WHERE tenant_id = :t", t=tenant_id
    )
    published = await desk.sql(
        "SELECT convert_from(payload, 'UTF8') FROM tenant_api.outbox "
        "WHERE headers->>'x-tenant-id' = :t",
        t=tenant_id,
    )
    texts = [row[0] for row in (*stored, *published)]
    assert sum("credential" in text for text in texts) == 2 * len(entries)
    leaked = {trace for trace in VALUE_TRACES for text in texts if trace in text}
    assert leaked == set()
