"""A tenant's own OpenID client at the gateway: the provisioner's sealed registration recorded
and its secrets kept in the vault, `GET /tenants/{id}/identity`, users signing in through that
client being that tenant's (whatever their claims say), and nothing of it once removed.

Against a real provider (oidc-provider under Node): the client is registered there as the
provisioner's identity step would, and users sign in through its own pages.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import pytest

from service_kit.sealing import Keyring
from service_kit.settings import DEV_API_KEY_HANDOVER_KEY
from service_kit_testing import TestInfra, publish_raw, served
from service_kit_testing.identity import IdentityProvider
from shared_schemas.events import (
    IdentityClientRegistered,
    IdentityClientRegisteredData,
    IdentityClientRemoved,
    IdentityClientRemovedData,
    IdentityClientSecrets,
    identity_client_binding,
)
from tenant_api.app import create_app

from ..gateway import (  # type: ignore[import-not-found]
    Token,
    assert_problem,
    bearer,
    gateway,
    gateway_settings,
    onboard,
    tenantctl,
    tokens,
)
from ..saga import Sql, processed  # type: ignore[import-not-found]
from ..timeline import timeline  # type: ignore[import-not-found]

CONSUMER = "identity-clients"
HANDOVER = Keyring.parse(f"dev:{DEV_API_KEY_HANDOVER_KEY}")


@pytest.fixture
async def oidc_gateway(
    infra: TestInfra, oidc_provider: IdentityProvider, migrated: None
) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        infra, oidc_issuer=oidc_provider.issuer, oidc_audience=oidc_provider.audience
    )
    async with gateway(settings) as client:
        yield client


def callback(key: str) -> str:
    return f"https://{key}.app.localhost/oidc/callback"


def registration(
    provider: IdentityProvider, tenant: dict[str, Any]
) -> tuple[dict[str, Any], IdentityClientRegistered]:
    """The tenant's client registered at the provider, and the provisioner's event about it."""
    client = provider.register_client(
        client_name=f"{tenant['key']} (test)",
        redirect_uris=[callback(tenant["key"])],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="client_secret_basic",
    )
    tenant_id = uuid.UUID(tenant["id"])
    secrets = IdentityClientSecrets(
        client_secret=client["client_secret"],
        registration_access_token=client["registration_access_token"],
        registration_client_uri=client["registration_client_uri"],
    )
    event = IdentityClientRegistered.build(
        IdentityClientRegisteredData(
            tenant_id=tenant_id,
            pipeline_id=uuid.uuid4(),
            issuer=provider.issuer,
            client_id=client["client_id"],
            redirect_uris=client["redirect_uris"],
            registered_at=datetime.now(UTC),
            secrets=HANDOVER.seal(secrets.model_dump_json(), identity_client_binding(tenant_id)),
        ),
        producer="provisioner",
        correlation_id=tenant_id,
        tenant_id=tenant_id,
    )
    return client, event


def removal(
    provider: IdentityProvider,
    registered: IdentityClientRegistered,
    reason: Literal["compensated", "offboarded"] = "offboarded",
) -> IdentityClientRemoved:
    d = registered.data
    return IdentityClientRemoved.build(
        IdentityClientRemovedData(
            tenant_id=d.tenant_id,
            issuer=provider.issuer,
            client_id=d.client_id,
            removed_at=datetime.now(UTC),
            reason=reason,
        ),
        producer="provisioner",
        correlation_id=d.tenant_id,
        tenant_id=d.tenant_id,
    )


async def deliver(infra: TestInfra, sql: Sql, *events: Any) -> None:
    for event in events:
        await publish_raw(infra, event.type, event.model_dump_json().encode())
    await processed(sql, CONSUMER, events)


def signed_in_user(
    provider: IdentityProvider, client: dict[str, Any], key: str, **claims: Any
) -> str:
    user = provider.add_account(f"user-{uuid.uuid4().hex[:8]}", **claims)
    tokens = provider.sign_in(
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        redirect_uri=callback(key),
        user=user,
    )
    access: str = tokens["access_token"]
    return access


async def test_a_registered_client_is_recorded_kept_in_the_vault_and_shown(
    oidc_gateway: httpx.AsyncClient,
    oidc_provider: IdentityProvider,
    token: Token,
    infra: TestInfra,
    sql: Sql,
) -> None:
    tenant = await onboard(oidc_gateway, token)
    url = f"/tenants/{tenant['id']}/identity"
    assert_problem(await oidc_gateway.get(url, headers=bearer(token("admin"))), 404)
    client, event = registration(oidc_provider, tenant)
    await deliver(infra, sql, event, event)  # delivered twice: recorded once

    expected = {
        "issuer": oidc_provider.issuer,
        "clientId": client["client_id"],
        "redirectUris": [callback(tenant["key"])],
    }
    for caller in (
        token("admin"),
        token("operator"),
        token("tenant", tenant_id=tenant["id"]),
    ):
        shown = await oidc_gateway.get(url, headers=bearer(caller))
        assert shown.status_code == 200, shown.text
        assert shown.json() | {"registeredAt": None} == expected | {"registeredAt": None}
        assert "clientSecret" not in shown.json()
    other = token("tenant", tenant_id=str(uuid.uuid4()))
    assert_problem(await oidc_gateway.get(url, headers=bearer(other)), 404)

    revealed = await oidc_gateway.get(
        f"/tenants/{tenant['id']}/credentials/identity",
        params={"reveal": "true"},
        headers=bearer(token("admin")),
    )
    assert revealed.status_code == 200, revealed.text
    values = revealed.json()["values"]
    assert (values["client_id"], values["client_secret"]) == (
        client["client_id"],
        client["client_secret"],
    )
    assert values["registration_access_token"] == client["registration_access_token"]

    entries = await timeline(oidc_gateway, sql, tenant["id"], bearer(token("admin")))
    (line,) = [e for e in entries if e["type"] == "tenant.identity_client_registered"]
    assert client["client_id"] in line["summary"]
    assert client["client_secret"] not in str(line)
    assert client["registration_access_token"] not in str(line)


async def test_a_user_of_a_tenants_client_is_that_tenant_until_the_client_is_removed(
    oidc_gateway: httpx.AsyncClient,
    oidc_provider: IdentityProvider,
    token: Token,
    infra: TestInfra,
    sql: Sql,
) -> None:
    ours, theirs = await onboard(oidc_gateway, token), await onboard(oidc_gateway, token)
    client, registered = registration(oidc_provider, ours)
    await deliver(infra, sql, registered)
    # Claims that would make anyone else an admin, or the other tenant's: the client decides.
    user = signed_in_user(oidc_provider, client, ours["key"], role="admin", tenant_id=theirs["id"])

    own = await oidc_gateway.get(f"/tenants/{ours['id']}", headers=bearer(user))
    assert own.status_code == 200, own.text
    assert own.json()["key"] == ours["key"]
    assert_problem(await oidc_gateway.get(f"/tenants/{theirs['id']}", headers=bearer(user)), 404)
    assert_problem(
        await oidc_gateway.get(f"/tenants/{theirs['id']}/identity", headers=bearer(user)), 404
    )
    mine = await oidc_gateway.get(f"/tenants/{ours['id']}/identity", headers=bearer(user))
    assert mine.json()["clientId"] == client["client_id"]
    assert_problem(
        await oidc_gateway.post(f"/tenants/{theirs['id']}/suspend", headers=bearer(user)), 403
    )

    await deliver(infra, sql, removal(oidc_provider, registered))
    assert_problem(await oidc_gateway.get(f"/tenants/{ours['id']}", headers=bearer(user)), 401)
    assert_problem(await oidc_gateway.get("/tenants", headers=bearer(user)), 401)
    admin = bearer(token("admin"))
    assert_problem(await oidc_gateway.get(f"/tenants/{ours['id']}/identity", headers=admin), 404)
    gone = await oidc_gateway.get(f"/tenants/{ours['id']}/credentials/identity", headers=admin)
    assert_problem(gone, 404)
    entries = await timeline(oidc_gateway, sql, ours["id"], admin)
    (line,) = [e for e in entries if e["type"] == "tenant.identity_client_removed"]
    assert line["summary"].endswith(f"{client['client_id']} (offboarded)")


async def test_a_removal_that_comes_first_keeps_the_late_registration_out(
    oidc_gateway: httpx.AsyncClient,
    oidc_provider: IdentityProvider,
    token: Token,
    infra: TestInfra,
    sql: Sql,
) -> None:
    tenant = await onboard(oidc_gateway, token)
    client, registered = registration(oidc_provider, tenant)
    await deliver(infra, sql, removal(oidc_provider, registered, "compensated"))
    await deliver(infra, sql, registered)

    admin = bearer(token("admin"))
    assert_problem(await oidc_gateway.get(f"/tenants/{tenant['id']}/identity", headers=admin), 404)
    vault = await oidc_gateway.get(f"/tenants/{tenant['id']}/credentials/identity", headers=admin)
    assert_problem(vault, 404)
    user = signed_in_user(oidc_provider, client, tenant["key"], role="tenant")
    assert_problem(await oidc_gateway.get(f"/tenants/{tenant['id']}", headers=bearer(user)), 401)


async def test_tenantctl_shows_the_tenants_client_and_no_secret(
    infra: TestInfra, oidc_provider: IdentityProvider, migrated: None, sql: Sql
) -> None:
    settings = gateway_settings(
        infra, oidc_issuer=oidc_provider.issuer, oidc_audience=oidc_provider.audience
    )
    async with served(create_app(settings)) as url:
        env = {**os.environ, **infra.env, "GATEWAY_URL": url}
        async with httpx.AsyncClient(base_url=url) as http:
            tenant = await onboard(http, tokens(settings))
        code, out, err = await tenantctl(env, "tenants", "identity", tenant["id"])
        assert (code, out) == (1, "")
        assert err == "tenantctl: 404: No identity client is registered for this tenant.\n"

        client, registered = registration(oidc_provider, tenant)
        await deliver(infra, sql, registered)
        code, out, err = await tenantctl(env, "tenants", "identity", tenant["id"])
        assert (code, err) == (0, "")
        assert f"client id      {client['client_id']}\n" in out
        assert f"redirect uri   {callback(tenant['key'])}\n" in out
        assert client["client_secret"] not in out
