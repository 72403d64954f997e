"""Whose key it is: the scope that keeps one caller's stored answers from every other caller."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import Scope

from service_kit.client_ip import Network, client_ip
from service_kit.tokens import bearer_credential

VerifyClaims = Callable[[str], Awaitable[dict[str, Any]]]
IDENTITY_CLAIMS = ("iss", "sub", "role", "tenant_id", "lead_id")


async def caller_of(scope: Scope, verify: VerifyClaims, proxies: Sequence[Network]) -> str:
    """A verified token's identity; else the credential itself (hashed); else the client's IP.

    A replay skips the route and its auth, so the scope must come from something the caller
    cannot forge: claims count only once `verify` (the routes' own verifier) accepts them, and
    an unverifiable credential (a lead's e-mailed code, an expired token) scopes to itself.
    """
    connection = HTTPConnection(scope)
    authorization = connection.headers.get("authorization")
    if authorization is None:
        return "ip:" + client_ip(connection, proxies)
    token = bearer_credential(authorization)
    if token is not None:
        claims = await _verified(verify, token)
        if claims is not None:
            return "jwt:" + json.dumps([str(claims.get(n, "")) for n in IDENTITY_CLAIMS])
    return "credential:" + hashlib.sha256(authorization.encode("latin-1")).hexdigest()


async def _verified(verify: VerifyClaims, token: str) -> dict[str, Any] | None:
    try:
        return await verify(token)
    except Exception:  # invalid, expired, or keys unreachable: the credential scopes itself
        return None
