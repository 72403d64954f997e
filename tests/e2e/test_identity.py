"""Each tenant's own OpenID client across the running services, against a real provider: the
identity step registers it, its users read their tenant and no other, and offboarding deletes
the registration at the provider."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from service_kit_testing.identity import IdentityProvider

from .conftest import Stack
from .polling import eventually
from .saga_client import new_tenant, pipeline_when, provision, settle

pytestmark = pytest.mark.e2e


async def test_a_tenants_client_lets_its_users_in_to_it_alone_until_offboarding(
    gateway: httpx.AsyncClient, stack: Stack, oidc_provider: IdentityProvider
) -> None:
    admin = gateway
    ours, theirs = await new_tenant(admin, "pooled"), await new_tenant(admin, "pooled")
    await provision(admin, ours["id"])
    assert (await settle(admin, ours["id"]))["status"] == "ACTIVE"
    # The steps' outcomes reach the read-model on a queue of their own: wait for the last one.
    pipeline = await pipeline_when(admin, ours["id"], "billing", "SUCCEEDED")
    assert [s["name"] for s in pipeline["steps"]][:3] == ["preflight", "database", "identity"]

    async def shown() -> dict[str, Any] | None:
        answer = await admin.get(f"/tenants/{ours['id']}/identity")
        return answer.json() if answer.status_code == 200 else None

    client = await eventually(shown, what="the tenant's client at the gateway")
    redirect = f"https://{ours['key']}.app.localhost/oidc/callback"
    assert (client["issuer"], client["redirectUris"]) == (oidc_provider.issuer, [redirect])
    assert oidc_provider.is_registered(client["clientId"])

    secret = await admin.get(
        f"/tenants/{ours['id']}/credentials/identity", params={"reveal": "true"}
    )
    assert secret.status_code == 200, secret.text
    user = oidc_provider.add_account(f"{ours['key']}-user", role="admin")
    tokens = await asyncio.to_thread(
        oidc_provider.sign_in,
        client_id=client["clientId"],
        client_secret=secret.json()["values"]["client_secret"],
        redirect_uri=redirect,
        user=user,
    )
    as_user = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=10) as http:
        own = await http.get(f"/tenants/{ours['id']}", headers=as_user)
        assert own.status_code == 200, own.text
        assert (await http.get(f"/tenants/{theirs['id']}", headers=as_user)).status_code == 404

        gone = await admin.delete(f"/tenants/{ours['id']}", params={"now": "true"})
        assert gone.json()["status"] == "DEPROVISIONING", gone.text
        await settle(admin, ours["id"], want={"OFFBOARDED"})

        async def deleted_at_the_provider() -> bool:
            return not await asyncio.to_thread(oidc_provider.is_registered, client["clientId"])

        await eventually(deleted_at_the_provider, what="the registration deleted")

        async def refused() -> bool:
            return (await http.get(f"/tenants/{ours['id']}", headers=as_user)).status_code == 401

        await eventually(refused, what="the removed client's token refused")
    assert (await admin.get(f"/tenants/{ours['id']}/identity")).status_code == 404
