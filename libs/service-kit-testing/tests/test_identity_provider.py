"""The tests' OpenID provider does what the identity tests rely on, end to end over HTTP."""

from __future__ import annotations

import httpx
import jwt

from service_kit_testing.identity import IdentityProvider


def verified(provider: IdentityProvider, token: str, audience: str) -> dict[str, object]:
    keys = jwt.PyJWKClient(provider.discovery()["jwks_uri"])
    claims: dict[str, object] = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=audience,
        issuer=provider.issuer,
    )
    return claims


def test_code_flow_gives_signed_tokens_with_the_accounts_claims(
    oidc_provider: IdentityProvider,
) -> None:
    user = oidc_provider.add_account("ops-ann", groups=["cp-operators"], role="operator")
    client = oidc_provider.register_client(
        redirect_uris=["http://127.0.0.1:9/callback"], grant_types=["authorization_code"]
    )

    tokens = oidc_provider.sign_in(
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        redirect_uri="http://127.0.0.1:9/callback",
        user=user,
    )

    access = verified(oidc_provider, tokens["access_token"], oidc_provider.audience)
    assert (access["sub"], access["role"], access["groups"]) == (
        "ops-ann",
        "operator",
        ["cp-operators"],
    )
    assert access["client_id"] == client["client_id"]
    identity = verified(oidc_provider, tokens["id_token"], client["client_id"])
    assert identity["sub"] == "ops-ann"


def test_an_authorization_request_without_pkce_is_refused(oidc_provider: IdentityProvider) -> None:
    client = oidc_provider.register_client(redirect_uris=["http://127.0.0.1:9/cb"])
    endpoint = oidc_provider.discovery()["authorization_endpoint"]

    response = httpx.get(
        endpoint,
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": "http://127.0.0.1:9/cb",
            "scope": "openid",
        },
    )

    assert response.status_code == 303
    assert "error=invalid_request" in response.headers["location"]
    assert "PKCE" in httpx.URL(response.headers["location"]).params["error_description"]


def test_device_flow_pending_until_the_user_approves(oidc_provider: IdentityProvider) -> None:
    client = oidc_provider.register_client(
        grant_types=["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        response_types=[],
        redirect_uris=[],
        token_endpoint_auth_method="none",
    )
    meta = oidc_provider.discovery()
    started = httpx.post(
        meta["device_authorization_endpoint"],
        data={"client_id": client["client_id"], "scope": "openid api"},
    ).json()
    poll = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": started["device_code"],
        "client_id": client["client_id"],
    }
    assert started["interval"] == 1  # the tests' provider asks clients to poll each second
    assert httpx.post(meta["token_endpoint"], data=poll).json()["error"] == "authorization_pending"

    oidc_provider.approve_device(
        started["verification_uri_complete"], oidc_provider.add_account("dev-dan", role="admin")
    )

    tokens = httpx.post(meta["token_endpoint"], data=poll).json()
    assert (
        verified(oidc_provider, tokens["access_token"], oidc_provider.audience)["role"] == "admin"
    )
    assert tokens["refresh_token"]


def test_a_deleted_registration_is_gone_at_the_provider(oidc_provider: IdentityProvider) -> None:
    client = oidc_provider.register_client(redirect_uris=["http://127.0.0.1:9/cb"])
    management = {"Authorization": f"Bearer {client['registration_access_token']}"}
    assert oidc_provider.is_registered(client["client_id"])

    deleted = httpx.delete(client["registration_client_uri"], headers=management)

    assert deleted.status_code == 204
    assert not oidc_provider.is_registered(client["client_id"])


def test_registration_needs_the_initial_access_token(oidc_provider: IdentityProvider) -> None:
    response = httpx.post(
        oidc_provider.discovery()["registration_endpoint"],
        json={"redirect_uris": ["http://127.0.0.1:9/cb"]},
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert response.status_code == 401
