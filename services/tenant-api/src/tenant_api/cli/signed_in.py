"""Which token tenantctl sends to the gateway, and the saved session kept fresh.

In this order: TENANTCTL_TOKEN; the session `tenantctl login` saved, if it is for the current
OIDC_ISSUER (refreshed when it expires within a minute); a development admin token signed with
JWT_SECRET, only while development sign-in is on; otherwise the operator has to sign in.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import jwt

from service_kit.tokens import mint_token
from tenant_api.cli import oauth, session
from tenant_api.cli.config import CliError, settings
from tenant_api.cli.session import Session
from tenant_api.identity.claims import UnmappedClaims, role_of
from tenant_api.settings import TenantApiSettings

REFRESH_AHEAD = timedelta(seconds=60)
EXPIRED = "session expired: run `tenantctl login`"


def bearer_token() -> str:
    given = os.environ.get("TENANTCTL_TOKEN")
    if given:
        return given
    config = settings()
    saved = session.load()
    if saved is not None and config.oidc_issuer and saved.issuer == config.oidc_issuer:
        return fresh(saved, config).access_token
    if config.development_sign_in:
        return mint_token(config, role="admin", sub="tenantctl", ttl=timedelta(minutes=5))
    if saved is not None and not config.oidc_issuer:
        raise CliError(
            f"not signed in: OIDC_ISSUER is unset (the saved session is for {saved.issuer})"
            " and development sign-in is off"
        )
    if saved is not None:
        raise CliError(
            f"not signed in to {config.oidc_issuer}: the saved session is for {saved.issuer};"
            " run `tenantctl login`"
        )
    raise CliError("not signed in: run `tenantctl login`")


def fresh(saved: Session, config: TenantApiSettings) -> Session:
    """The session, refreshed first (and saved again) if its access token is about to expire."""
    if not saved.expires_within(REFRESH_AHEAD.total_seconds(), session.now()):
        return saved
    with session.locked():
        # Another tenantctl may have refreshed it while this one waited for the lock.
        current = session.load()
        if current is None or current.issuer != saved.issuer:
            raise CliError(EXPIRED)
        if not current.expires_within(REFRESH_AHEAD.total_seconds(), session.now()):
            return current
        if not current.refresh_token:
            raise CliError(EXPIRED)
        url = oauth.endpoint(oauth.discover(current.issuer), "token_endpoint")
        if url is None:
            raise CliError(f"{current.issuer} announces no token_endpoint")
        answer = oauth.request_tokens(
            url,
            {
                "grant_type": "refresh_token",
                "refresh_token": current.refresh_token,
                "client_id": current.client_id,
            },
        )
        if isinstance(answer, oauth.Refusal):
            raise CliError(f"{EXPIRED} (the provider said {answer})")
        renewed = from_tokens(answer, current.issuer, current.client_id, config, current)
        session.save(renewed)
        return renewed


def from_tokens(
    tokens: dict[str, Any],
    issuer: str,
    client_id: str,
    config: TenantApiSettings,
    previous: Session | None = None,
) -> Session:
    """A session from a token endpoint's answer. Claims are read without checking signatures:
    they only label the session for `whoami`; the gateway verifies every token it is sent."""
    access = str(tokens["access_token"])
    id_token = tokens.get("id_token") or (previous.id_token if previous else None)
    # The access token is what the gateway reads; an opaque one leaves the ID token to say who.
    claims = {**_claims(id_token), **_claims(access)}
    expires_in = tokens.get("expires_in")
    if isinstance(expires_in, int | float):
        expires_at = session.now() + timedelta(seconds=expires_in)
    elif isinstance(claims.get("exp"), int):
        expires_at = session.from_timestamp(claims["exp"])
    else:
        expires_at = None
    try:
        role: str | None = role_of(claims, config.role_claim, config.role_map).value
    except UnmappedClaims:
        role = None
    return Session(
        issuer=issuer,
        client_id=client_id,
        access_token=access,
        refresh_token=tokens.get("refresh_token") or (previous.refresh_token if previous else None),
        id_token=id_token,
        expires_at=expires_at,
        sub=str(claims["sub"]) if "sub" in claims else (previous.sub if previous else None),
        role=role,
    )


def _claims(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}  # not a JWT: some providers' access tokens are opaque
    return claims
