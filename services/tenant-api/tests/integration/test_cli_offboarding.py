"""`tenantctl tenants offboard | restore | exports`, run as an operator runs them."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx

from service_kit_testing import TestInfra, served
from tenant_api.app import create_app

from ..gateway import bearer, gateway_settings, onboard, tenantctl, tokens  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, processed  # type: ignore[import-not-found]


async def test_offboard_restore_offboard_now_and_list_the_export(
    infra: TestInfra, migrated: None, sql: Sql, tmp_path: Path
) -> None:
    settings = gateway_settings(infra, export_url=(tmp_path / "exports").as_uri())
    async with served(create_app(settings)) as url:
        env = {**os.environ, **infra.env, "GATEWAY_URL": url}
        token = tokens(settings)
        async with httpx.AsyncClient(base_url=url) as client:
            tenant = await onboard(client, token)
            started = await client.post(
                f"/tenants/{tenant['id']}/provision", headers=bearer(token("admin"))
            )
        saga = FakeProvisioner(
            infra, uuid.UUID(tenant["id"]), uuid.UUID(started.json()["pipelineId"])
        )
        completed = saga.completed()
        await saga.publish(completed)
        await processed(sql, "pipeline-outcomes", [completed])

        code, out, err = await tenantctl(env, "tenants", "offboard", tenant["id"])
        assert (code, err) == (0, "")
        assert f"offboarding of {tenant['id']} scheduled for " in out
        code, out, err = await tenantctl(env, "tenants", "restore", tenant["id"])
        assert (code, out, err) == (0, f"{tenant['id']} restored: ACTIVE\n", "")
        code, out, err = await tenantctl(env, "tenants", "offboard", tenant["id"], "--now")
        assert (code, err) == (0, "")
        assert out == f"{tenant['id']} is DEPROVISIONING: exporting, then removing\n"
        code, out, err = await tenantctl(env, "tenants", "restore", tenant["id"])
        assert (code, out) == (1, "")
        assert err.startswith("tenantctl: 409: A tenant in DEPROVISIONING cannot become ACTIVE")

        code, out, err = await tenantctl(env, "tenants", "exports", tenant["id"])
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[0].startswith("export    ")
        assert lines[0].endswith("WRITING")
        assert lines[1].startswith(f"location  {settings.export_url}/{tenant['key']}-")
        assert lines[2].split() == ["FILE", "BY", "BYTES", "SHA256"]
        assert "tenant-api/tenant.json" in out
