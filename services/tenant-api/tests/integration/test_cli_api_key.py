"""`tenantctl tenants reissue-key` and `api-key`, run as an operator runs them."""

from __future__ import annotations

import os
from typing import Any

import httpx

from service_kit_testing import TestInfra, served
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from ..gateway import start_provisioning, tenantctl, tokens  # type: ignore[import-not-found]
from ..saga import Sql, processed, tenant_event  # type: ignore[import-not-found]


async def test_reissue_and_take_the_key_from_the_command_line(
    infra: TestInfra, settings: TenantApiSettings, migrated: None, sql: Sql, event_tap: Any
) -> None:
    tap = await event_tap("tenant.api_key_reissue_requested")
    async with served(create_app(settings)) as url:
        env = {**os.environ, **infra.env, "GATEWAY_URL": url}
        token = tokens(settings)
        async with httpx.AsyncClient(base_url=url) as client:
            saga = await start_provisioning(client, token, infra)
        tenant_id = str(saga.tenant_id)
        code, out, err = await tenantctl(env, "tenants", "reissue-key", tenant_id)
        assert (code, out) == (1, "")
        assert err.startswith("tenantctl: 409: The tenant is PROVISIONING")

        completed, issued = saga.completed(), saga.key_issued("cp_cli_key")
        await saga.publish(issued, completed)
        await processed(sql, "api-keys", [issued])
        await processed(sql, "pipeline-outcomes", [completed])
        code, out, err = await tenantctl(env, "tenants", "reissue-key", tenant_id)
        assert (code, err) == (0, "")
        assert f"tenantctl tenants api-key {tenant_id}" in out
        await tenant_event(tap, "tenant.api_key_reissue_requested", saga.tenant_id)

        code, out, err = await tenantctl(env, "tenants", "api-key", tenant_id)
        assert (code, out, err) == (0, "cp_cli_key\n", "")
        code, out, err = await tenantctl(env, "tenants", "api-key", tenant_id)
        assert (code, out) == (1, "")
