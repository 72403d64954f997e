"""An OpenID provider's access tokens at the gateway: roles from its claims, tenants kept apart,
development sign-in off when asked, and a provider that does not answer.

Against a real provider (oidc-provider under Node): users sign in through its own pages.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest

from service_kit_testing import TestInfra
from service_kit_testing.identity import IdentityProvider
from tenant_api.settings import TenantApiSettings

from ..gateway import Token, assert_problem, bearer, gateway, gateway_settings, onboard  # type: ignore[import-not-found]

CALLBACK = "http://127.0.0.1:9/callback"
SignIn = Callable[..., str]


@pytest.fixture
def oidc_settings(
    infra: TestInfra, oidc_provider: IdentityProvider, migrated: None
) -> Callable[..., TenantApiSettings]:
    def make(**overrides: Any) -> TenantApiSettings:
        return gateway_settings(
            infra,
            oidc_issuer=oidc_provider.issuer,
            oidc_audience=oidc_provider.audience,
            **overrides,
        )

    return make


@pytest.fixture
def sign_in(oidc_provider: IdentityProvider) -> SignIn:
    """An access token of a new user with `claims`, who signed in through the provider's pages."""
    client = oidc_provider.register_client(redirect_uris=[CALLBACK])

    def make(**claims: Any) -> str:
        user = oidc_provider.add_account(f"user-{uuid.uuid4().hex[:8]}", **claims)
        tokens = oidc_provider.sign_in(
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            redirect_uri=CALLBACK,
            user=user,
        )
        access: str = tokens["access_token"]
        return access

    return make


@pytest.fixture
async def oidc_gateway(
    oidc_settings: Callable[..., TenantApiSettings],
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(oidc_settings()) as client:
        yield client


async def test_an_operator_from_the_provider_reads_but_may_not_act(
    oidc_gateway: httpx.AsyncClient, sign_in: SignIn
) -> None:
    operator = sign_in(role="operator")

    listed = await oidc_gateway.get("/tenants", headers=bearer(operator))
    assert listed.status_code == 200, listed.text
    assert "items" in listed.json()

    acting = await oidc_gateway.post(f"/tenants/{uuid.uuid4()}/suspend", headers=bearer(operator))
    assert "admin" in assert_problem(acting, 403)["detail"]


async def test_groups_become_roles_through_the_role_map(
    oidc_settings: Callable[..., TenantApiSettings], sign_in: SignIn, token: Token
) -> None:
    settings = oidc_settings(role_claim="groups", role_map="cp-admins=admin,cp-ops=operator")
    async with gateway(settings) as client:
        admin = sign_in(groups=["staff", "cp-ops", "cp-admins"])
        created = await onboard(client, lambda role: admin)
        assert created["status"] == "PENDING_PROVISION"

        stranger = sign_in(groups=["staff"], role="admin")  # `role` is not the claim read here
        refused = await client.get("/tenants", headers=bearer(stranger))
        assert "names no role" in assert_problem(refused, 403)["detail"]


async def test_a_tenant_user_reads_its_own_tenant_and_no_other(
    oidc_gateway: httpx.AsyncClient, sign_in: SignIn, token: Token
) -> None:
    admin = sign_in(role="admin")
    ours = await onboard(oidc_gateway, lambda role: admin)
    theirs = await onboard(oidc_gateway, lambda role: admin)
    user = sign_in(role="tenant", tenant_id=ours["id"])

    own = await oidc_gateway.get(f"/tenants/{ours['id']}", headers=bearer(user))
    assert own.status_code == 200, own.text
    assert own.json()["key"] == ours["key"]
    other = await oidc_gateway.get(f"/tenants/{theirs['id']}", headers=bearer(user))
    assert_problem(other, 404)

    no_tenant = sign_in(role="tenant")
    assert (
        "tenant id"
        in assert_problem(await oidc_gateway.get("/tenants", headers=bearer(no_tenant)), 403)[
            "detail"
        ]
    )


async def test_an_id_token_or_a_token_for_another_api_is_refused(
    oidc_gateway: httpx.AsyncClient, oidc_provider: IdentityProvider
) -> None:
    client = oidc_provider.register_client(redirect_uris=[CALLBACK])
    tokens = oidc_provider.sign_in(
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        redirect_uri=CALLBACK,
        user=oidc_provider.add_account(f"id-{uuid.uuid4().hex[:8]}", role="admin"),
    )
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["role"] == "admin"

    refused = await oidc_gateway.get("/tenants", headers=bearer(tokens["id_token"]))
    assert_problem(refused, 401)


async def test_with_development_sign_in_off_only_the_provider_lets_staff_in(
    oidc_settings: Callable[..., TenantApiSettings], sign_in: SignIn, token: Token
) -> None:
    async with gateway(oidc_settings(dev_sign_in=False)) as client:
        minted = await client.get("/tenants", headers=bearer(token("admin")))
        assert "Development sign-in is off" in assert_problem(minted, 401)["detail"]

        signed_in = await client.get("/tenants", headers=bearer(sign_in(role="admin")))
        assert signed_in.status_code == 200, signed_in.text


def test_development_sign_in_is_off_in_production_unless_enabled(infra: TestInfra) -> None:
    production = {"environment": "production"}
    assert gateway_settings(infra).development_sign_in is True
    assert TenantApiSettings.model_construct(**production).development_sign_in is False
    explicit = TenantApiSettings.model_construct(**production, dev_sign_in=True)
    assert explicit.development_sign_in is True


async def test_a_provider_that_does_not_answer_is_a_503_not_a_401(
    infra: TestInfra, migrated: None
) -> None:
    silent = "http://127.0.0.1:9"  # nothing listens on port 9
    settings = gateway_settings(infra, oidc_issuer=silent)
    now = int(time.time())
    claims = {
        "sub": "u",
        "role": "admin",
        "iss": silent,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 60,
    }
    forged = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "k"})
    # The header says HS256; the gateway pins RS256 for the provider's tokens. A well-formed
    # RS256 header gets as far as the provider's keys, which cannot be fetched.
    _, payload, _ = forged.split(".")
    rs256_header = jwt.utils.base64url_encode(b'{"alg":"RS256","kid":"k","typ":"JWT"}').decode()
    token = f"{rs256_header}.{payload}.c2ln"
    async with gateway(settings) as client:
        answer = await client.get("/tenants", headers=bearer(token))
        assert_problem(answer, 503)
        assert answer.headers["retry-after"] == "5"
        wrong_alg = await client.get("/tenants", headers=bearer(forged))
        assert_problem(wrong_alg, 401)
