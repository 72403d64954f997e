"""The gateway's rate limits, as dependencies: per client IP on public routes, per subject after.

Public routes (sign-up, verify) share one window per client IP and fail closed: without Redis
they answer 503, since they are what a brute-force or spam run would hit. API key verification
has a window of its own per client IP, as large as a tenant's services need, and fails open: a
256-bit secret is not guessed however many tries go through, the limit only bounds load, and
every tenant's services would stop with Redis. Authenticated routes count per token subject;
without Redis reads go on (fail open, so operators keep their view during an outage) and writes
answer 503 (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Request

from service_kit.app import RuntimeDep
from service_kit.client_ip import client_ip
from service_kit.problems import PROBLEM_JSON
from service_kit.ratelimit import Limit, enforce, subject_key
from shared_schemas import Problem
from tenant_api.settings import TenantApiSettings

if TYPE_CHECKING:  # the runtime's types reach auth, which this module serves
    from tenant_api.runtime import Runtime

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _settings(runtime: Runtime) -> TenantApiSettings:
    return runtime.settings


async def per_client_ip(request: Request, runtime: RuntimeDep) -> None:
    """PUBLIC_API_MAX_ATTEMPTS per PUBLIC_API_WINDOW_SECONDS for each client IP (429 past it)."""
    settings = _settings(runtime)
    limit = Limit(settings.public_api_max_attempts, settings.public_api_window_seconds)
    await _per_ip(request, runtime, "public", limit, fail_open=False)


async def key_checks_per_client_ip(request: Request, runtime: RuntimeDep) -> None:
    """API_KEY_VERIFY_MAX_REQUESTS per API_KEY_VERIFY_WINDOW_SECONDS for each client IP."""
    settings = _settings(runtime)
    limit = Limit(settings.api_key_verify_max_requests, settings.api_key_verify_window_seconds)
    await _per_ip(request, runtime, "api-key-verify", limit, fail_open=True)


async def _per_ip(
    request: Request, runtime: Runtime, bucket: str, limit: Limit, *, fail_open: bool
) -> None:
    settings = _settings(runtime)
    ip = client_ip(request, settings.trusted_proxies)
    key = f"{settings.redis_key_prefix}ratelimit:{bucket}:{ip}"
    await enforce(runtime.redis, bucket, key, limit, fail_open=fail_open)


async def per_subject(runtime: Runtime, method: str, subject: str) -> None:
    """AUTH_API_MAX_REQUESTS per AUTH_API_WINDOW_SECONDS for each token subject.

    Called by `auth.require()` once the token is verified, so every route that names its
    caller is limited, with no route able to forget it.
    """
    settings = _settings(runtime)
    limit = Limit(settings.auth_api_max_requests, settings.auth_api_window_seconds)
    key = f"{settings.redis_key_prefix}ratelimit:subject:{subject_key(subject)}"
    await enforce(runtime.redis, "subject", key, limit, fail_open=method in READ_METHODS)


PublicLimit = Depends(per_client_ip)
KeyCheckLimit = Depends(key_checks_per_client_ip)


def document_limits(app: FastAPI) -> None:
    """Every later `app.openapi()` lists 429 on each operation that takes `Authorization`
    (all authenticated routes, and verify), and 503 on writes (no limiter, no write)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        spec = build()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for operations in spec.get("paths", {}).values():
            for method, operation in operations.items():
                parameters = operation.get("parameters", [])
                if any(
                    p.get("in") == "header" and p["name"] == "authorization" for p in parameters
                ):
                    responses = operation.setdefault("responses", {})
                    _answer(responses, "429", "Too many requests; see `Retry-After`")
                    if method.upper() not in READ_METHODS:
                        _answer(responses, "503", "The rate limiter (Redis) is unavailable")
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _answer(responses: dict[str, Any], code: str, description: str) -> None:
    if code in responses:  # a route's own 429 says it better; another 503 gains a cause
        if code != "429" and description not in responses[code]["description"]:
            responses[code]["description"] += f"; or: {description}"
        return
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    responses[code] = {"description": description, "content": {PROBLEM_JSON: problem}}
