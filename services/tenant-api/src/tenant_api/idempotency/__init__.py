"""Idempotency-Key on every write through the gateway (DESIGN §6).

The same key and request from the same caller answer the first result, however often and however
concurrently they are sent; the same key with another request is 422 and runs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from starlette.middleware import Middleware

from tenant_api.idempotency.middleware import IdempotencyMiddleware
from tenant_api.idempotency.openapi import document_idempotency
from tenant_api.idempotency.rules import ONE_TIME_REVEAL
from tenant_api.identity.token_verifier import TokenVerifier
from tenant_api.settings import TenantApiSettings

if TYPE_CHECKING:
    from tenant_api.runtime import Runtime

__all__ = ["install_idempotency", "reveals_secret"]


def install_idempotency(app: FastAPI, settings: TenantApiSettings) -> None:
    """Wrap the routes (innermost middleware) and document the header in the OpenAPI."""
    runtime: Runtime = app.state.runtime

    async def verify(token: str) -> dict[str, Any]:
        verifier: TokenVerifier = runtime.deps.token_verifier  # the routes' own: the same keys
        return await verifier.claims(token)

    # Innermost: request ids, the body cap, security headers and CORS stay outside, so a replay
    # gets its own; everything a route answers (auth, validation, domain errors) is inside.
    app.user_middleware.append(
        Middleware(
            IdempotencyMiddleware, settings=settings, redis=lambda: runtime.redis, verify=verify
        )
    )
    document_idempotency(app)


def reveals_secret(request: Request) -> None:
    """Mark the answer as revealing a secret once: under an Idempotency-Key, its retries get a
    409 saying it succeeded, never the secret, which is not stored."""
    request.scope[ONE_TIME_REVEAL] = True
