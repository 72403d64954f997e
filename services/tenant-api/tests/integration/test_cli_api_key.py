"""`tenantctl tenants reissue-key` and `api-key`, run as an operator runs them."""

from __future__ import annotations

from typing import Any

from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from ..api_keys import active_with_key  # type: ignore[import-not-found]
from ..gateway import operator_shell, start_provisioning, tenantctl, tokens  # type: ignore[import-not-found]
from ..saga import Sql, tenant_event  # type: ignore[import-not-found]


async def test_reissue_and_take_the_key_from_the_command_line(
    infra: TestInfra, settings: TenantApiSettings, migrated: None, sql: Sql, event_tap: Any
) -> None:
    tap = await event_tap("tenant.api_key_reissue_requested")
    async with operator_shell(infra, settings) as (env, client):
        saga = await start_provisioning(client, tokens(settings), infra)
        tenant_id = str(saga.tenant_id)
        code, out, err = await tenantctl(env, "tenants", "reissue-key", tenant_id)
        assert (code, out) == (1, "")
        assert err.startswith("tenantctl: 409: The tenant is PROVISIONING")

        await active_with_key(saga, sql, "cp_cli_key")
        code, out, err = await tenantctl(env, "tenants", "reissue-key", tenant_id)
        assert (code, err) == (0, "")
        assert f"tenantctl tenants api-key {tenant_id}" in out
        await tenant_event(tap, "tenant.api_key_reissue_requested", saga.tenant_id)

        code, out, err = await tenantctl(env, "tenants", "api-key", tenant_id)
        assert (code, out, err) == (0, "cp_cli_key\n", "")
        code, out, err = await tenantctl(env, "tenants", "api-key", tenant_id)
        assert (code, out) == (1, "")
