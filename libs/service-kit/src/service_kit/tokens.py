"""Signing the control plane's own JWTs (HS256 with JWT_SECRET; claims per DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from service_kit.settings import JwtSettings

ALGORITHM = "HS256"


def mint_token(
    settings: JwtSettings,
    *,
    role: str,
    sub: str,
    ttl: timedelta,
    tenant_id: UUID | None = None,
    lead_id: UUID | None = None,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if tenant_id is not None:
        claims["tenant_id"] = str(tenant_id)
    if lead_id is not None:
        claims["lead_id"] = str(lead_id)
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def decode_token(
    token: str,
    settings: JwtSettings,
    *,
    leeway: int = 10,
    key: Any = None,
    algorithm: str = ALGORITHM,
    issuer: str | None = None,
    audience: str | None = None,
) -> dict[str, Any]:
    """Verified claims, or `jwt.PyJWTError`. The algorithm is pinned: `alg` is never trusted.

    By default HS256 with JWT_SECRET; a verifier of RS256 tokens passes the JWKS public key
    (and, for an OpenID provider's tokens, that provider's issuer and the API's audience).
    """
    claims: dict[str, Any] = jwt.decode(
        token,
        settings.jwt_secret.get_secret_value() if key is None else key,
        algorithms=[algorithm],
        audience=audience or settings.jwt_audience,
        issuer=issuer or settings.jwt_issuer,
        leeway=leeway,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    # The subject keys rate limits, idempotency scopes and the audit trail: a blank one would
    # pool every such token into one anonymous caller.
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.strip():
        raise jwt.InvalidTokenError("The token's `sub` is blank.")
    return claims


def bearer_credential(authorization: str | None) -> str | None:
    """The credential of an `Authorization: Bearer <credential>` header, or None."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None
