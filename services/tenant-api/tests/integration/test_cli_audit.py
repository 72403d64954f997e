"""`tenantctl audit`, run as an operator runs it, against a gateway on a real port."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from ..gateway import bearer, onboard, operator_shell, tenantctl, tokens  # type: ignore[import-not-found]
from ..saga import eventually  # type: ignore[import-not-found]


async def test_audit_prints_a_table_and_exports_every_matching_entry(
    infra: TestInfra, settings: TenantApiSettings, migrated: None
) -> None:
    token = tokens(settings)
    admin = bearer(token("admin"))
    async with operator_shell(infra, settings, TENANTCTL_TOKEN=token("operator")) as (env, client):
        tenant = await onboard(client, token)
        for name in ("Initrode", "Initech"):
            renamed = await client.patch(
                f"/tenants/{tenant['id']}", json={"name": name}, headers=admin
            )
            assert renamed.status_code == 200, renamed.text

        async def trail() -> list[dict[str, Any]] | None:
            answer = await client.get(
                "/admin/audit", params={"tenant": tenant["id"]}, headers=admin
            )
            items: list[dict[str, Any]] = answer.json()["items"]
            return items if len(items) == 3 else None

        entries = await eventually(trail, what="the onboarding and both renames")
        code, out, err = await tenantctl(env, "audit", "--tenant", tenant["id"], "--limit", "2")
        assert (code, err) == (0, "")
        header, first, second, count = out.splitlines()
        assert header.split() == ["OCCURRED", "TENANT", "TYPE", "ACTOR", "SUMMARY"]
        assert first.split()[1:4] == [tenant["id"], "tenant.updated", entries[0]["actor"]["sub"]]
        assert first.endswith("tenant: updated: name")
        assert second.split()[2] == "tenant.updated"
        assert count == "2 entries (more: raise --limit, or export with --format csv|jsonl)"

        code, out, err = await tenantctl(
            env, "audit", "--tenant", tenant["id"], "--type", "tenant.*", "--format", "jsonl"
        )
        assert (code, err) == (0, "")
        assert [json.loads(line) for line in out.splitlines()] == entries

        code, out, err = await tenantctl(
            env, "audit", "--tenant", tenant["id"], "--type", "tenant.onboarded", "--format", "csv"
        )
        assert code == 0, err
        (row,) = list(csv.DictReader(io.StringIO(out)))
        assert (row["id"], row["type"], row["actorRole"]) == (
            entries[2]["id"],
            "tenant.onboarded",
            "admin",
        )

        code, out, err = await tenantctl(env, "audit", "--from", "yesterday", "--format", "csv")
        assert (code, out) == (1, "")
        assert err.startswith("tenantctl: 422: from: Input should be a valid datetime")

        env["TENANTCTL_TOKEN"] = token("tenant", tenant_id=tenant["id"])
        code, out, err = await tenantctl(env, "audit")
        assert (code, out) == (1, "")
        assert err == "tenantctl: 403: This needs one of the roles: admin, operator.\n"
