"""`tenantctl keys list|create|rotate|revoke`, run as an operator runs them, against a served
gateway; the keys it prints are checked where a tenant's service checks them."""

from __future__ import annotations

import json

from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from ..api_keys import verify  # type: ignore[import-not-found]
from ..gateway import operator_shell, start_provisioning, tenantctl, tokens  # type: ignore[import-not-found]
from ..saga import Sql, activate  # type: ignore[import-not-found]


async def test_create_list_rotate_and_revoke_keys_from_the_command_line(
    infra: TestInfra, settings: TenantApiSettings, migrated: None, sql: Sql
) -> None:
    async with operator_shell(infra, settings) as (env, client):
        saga = await start_provisioning(client, tokens(settings), infra)
        tenant_id = str(saga.tenant_id)
        await activate(saga, sql)

        code, out, err = await tenantctl(
            env, "keys", "create", tenant_id, "--name", "orders", "--scope", "orders:read"
        )
        assert code == 0, err
        created = out.strip()
        assert out == f"{created}\n"  # the key alone on stdout, for a script to capture
        assert "shown this once" in err
        accepted = await verify(client, created)
        assert (accepted["active"], accepted["scopes"]) == (True, ["orders:read"])

        code, out, err = await tenantctl(env, "keys", "list", tenant_id, "--json")
        assert code == 0, err
        (key,) = json.loads(out)["items"]
        assert (key["id"], key["name"], key["status"]) == (
            accepted["keyId"],
            "orders",
            "active",
        )
        assert created not in out

        code, out, err = await tenantctl(
            env, "keys", "rotate", tenant_id, key["id"], "--overlap", "0"
        )
        assert code == 0, err
        successor = out.strip()
        assert await verify(client, created) == {"active": False, "reason": "expired"}
        assert (await verify(client, successor))["active"] is True

        code, out, err = await tenantctl(env, "keys", "list", tenant_id)
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0].split()[:4] == ["ID", "PUBLIC", "ID", "NAME"]
        assert [line.split()[3] for line in lines[1:3]] == ["active", "expired"]
        assert lines[-1] == "2 key(s)"

        successor_id = (await verify(client, successor))["keyId"]
        code, out, err = await tenantctl(env, "keys", "revoke", tenant_id, successor_id)
        assert (code, out, err) == (0, f"revoked {successor_id}\n", "")
        assert await verify(client, successor) == {"active": False, "reason": "revoked"}

        code, out, err = await tenantctl(
            env, "keys", "create", tenant_id, "--name", "x", "--scope", "Bad Scope"
        )
        assert (code, out) == (1, "")
        assert err.startswith("tenantctl: 422: scopes: Invalid scope 'Bad Scope'")
