"""`tenantctl tenants offboard | restore | exports`, run as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from service_kit_testing import TestInfra

from ..gateway import gateway_settings, onboard, operator_shell, provision, tenantctl, tokens  # type: ignore[import-not-found]
from ..saga import Sql, activate  # type: ignore[import-not-found]


async def test_offboard_restore_offboard_now_and_list_the_export(
    infra: TestInfra, migrated: None, sql: Sql, tmp_path: Path
) -> None:
    settings = gateway_settings(infra, export_url=(tmp_path / "exports").as_uri())
    async with operator_shell(infra, settings) as (env, client):
        token = tokens(settings)
        tenant = await onboard(client, token)
        await activate(await provision(client, token, infra, tenant), sql)

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
