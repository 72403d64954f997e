"""The console as an OpenID relying party: the authorization request (code flow with PKCE,
S256 only), the code exchange at the token endpoint, and the ID token's checks.

The ID token proves who signed in and that this sign-in is the one we started (`nonce`); what
the operator may do is read from the ACCESS token afterwards, through the gateway's own
`decode_principal`, exactly as for a bearer caller.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt

from tenant_api.console.logins import PendingLogin
from tenant_api.identity.provider import OidcProvider, ProviderUnavailable
from tenant_api.identity.token_verifier import signing_key
from tenant_api.settings import TenantApiSettings


class SignInFailed(Exception):
    """The sign-in cannot finish; `detail` is safe to show the operator."""

    def __init__(self, title: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail
        self.status = status


async def authorization_url(
    provider: OidcProvider, settings: TenantApiSettings, login: PendingLogin
) -> str:
    endpoint = await provider.endpoint("authorization_endpoint")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id or "",
            "redirect_uri": login.redirect_uri,
            "scope": settings.oidc_scopes,
            "state": login.state,
            "nonce": login.nonce,
            "code_challenge": login.challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


async def exchange_code(
    provider: OidcProvider, settings: TenantApiSettings, code: str, login: PendingLogin
) -> dict[str, Any]:
    """The provider's token response for `code`, or `SignInFailed`/`ProviderUnavailable`."""
    endpoint = await provider.endpoint("token_endpoint")
    client_id = settings.oidc_client_id or ""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": login.redirect_uri,
        "code_verifier": login.verifier,
    }
    auth: httpx.Auth = httpx.Auth()  # no authentication: a public client
    if settings.oidc_client_secret is not None:
        # client_secret_basic: both parts form-encoded first (RFC 6749 §2.3.1).
        secret = settings.oidc_client_secret.get_secret_value()
        auth = httpx.BasicAuth(quote(client_id, safe=""), quote(secret, safe=""))
    else:
        form["client_id"] = client_id  # a public client names itself (RFC 6749 §4.1.3)
    try:
        async with httpx.AsyncClient(timeout=settings.upstream_timeout) as http:
            response = await http.post(endpoint, data=form, auth=auth)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{provider.issuer} token endpoint: {exc!r}") from exc
    if response.status_code >= 500:
        raise ProviderUnavailable(f"{provider.issuer} token endpoint: {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SignInFailed("The provider's answer was unreadable", "Sign in again.", 502)
    if response.status_code != 200:
        reason = str(body.get("error_description") or body.get("error") or response.status_code)
        raise SignInFailed("The provider refused the sign-in", reason[:300])
    if not isinstance(body.get("access_token"), str) or not isinstance(body.get("id_token"), str):
        raise SignInFailed(
            "The provider's answer lacks a token",
            "It must return an access token and an ID token (is `openid` among OIDC_SCOPES?).",
            502,
        )
    return body


async def verify_id_token(
    provider: OidcProvider, settings: TenantApiSettings, id_token: str, login: PendingLogin
) -> dict[str, Any]:
    """The ID token's claims once its signature (RS256, the provider's key), `iss`, `aud`,
    `exp` and `nonce` hold; `SignInFailed` otherwise."""
    client_id = settings.oidc_client_id or ""
    try:
        key = await signing_key(id_token, provider.key)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=provider.issuer,
            leeway=settings.jwt_leeway,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.PyJWTError as exc:
        raise SignInFailed("The provider's ID token was refused", str(exc)[:300]) from exc
    if not secrets.compare_digest(str(claims["nonce"]), login.nonce):
        raise SignInFailed(
            "The provider's ID token was refused", "Its nonce is not this sign-in's."
        )
    # OpenID Connect Core §3.1.3.7: with several audiences, `azp` must be us.
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise SignInFailed(
            "The provider's ID token was refused", "It was issued to another client."
        )
    return claims
