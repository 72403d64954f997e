"""`tenantctl tenants pipeline`, run as an operator runs it, against a gateway on a real port."""

from __future__ import annotations

import uuid

from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from ..gateway import onboard, operator_shell, tenantctl, tokens  # type: ignore[import-not-found]


async def test_pipeline_of_an_unknown_tenant_says_it_does_not_exist(
    infra: TestInfra, settings: TenantApiSettings, migrated: None
) -> None:
    async with operator_shell(infra, settings) as (env, client):
        tenant = await onboard(client, tokens(settings))
        code, out, err = await tenantctl(env, "tenants", "pipeline", str(uuid.uuid4()))
        assert (code, out) == (1, "")
        assert err == "tenantctl: 404: No such tenant.\n"

        code, out, err = await tenantctl(env, "tenants", "pipeline", tenant["id"])
        assert (code, out) == (1, "")
        assert err == "tenantctl: 404: This tenant has no pipeline (it was never provisioned).\n"
