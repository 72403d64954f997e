"""The Idempotency-Key a route forwards upstream, handed from the middleware to the route.

A route that calls another service (sign-up and verify, to lead-verifier) forwards the client's
key, scoped, so that when the call's outcome is unknown (timed out after it was sent) the
client's retry reaches the upstream again and the upstream, not the gateway, decides that it
already happened.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import Scope

_STATE = "upstream_idempotency_key"


def remember_upstream_key(scope: Scope, key: str) -> None:
    scope.setdefault("state", {})[_STATE] = key


def upstream_key_of(connection: HTTPConnection) -> str | None:
    """The scoped key of this request, or None when the client sent no Idempotency-Key."""
    key = connection.scope.get("state", {}).get(_STATE)
    return key if isinstance(key, str) else None
