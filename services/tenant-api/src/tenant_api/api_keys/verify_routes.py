"""`POST /api-keys/verify`: whether an API key works, for the tenant's own services.

No bearer token: holding the key is the credential, and its 256-bit secret makes trying keys
pointless. Rate-limited per client IP (api_keys/verification.py says why the answer is never
stale; web/limits.py why its limit lets calls through while Redis is away).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.background import BackgroundTask

from service_kit.problems import problem_responses
from tenant_api.api_keys.models import KeyAccepted, KeyRefused, VerifyIn
from tenant_api.deps import DepsDep
from tenant_api.web.limits import KeyCheckLimit

router = APIRouter(prefix="/api-keys", tags=["api keys"], dependencies=[KeyCheckLimit])


@router.post(
    "/verify",
    response_model=KeyAccepted | KeyRefused,
    responses=problem_responses(
        r422="Malformed body (the key goes in the body, never the URL)",
        r429="Too many verifications from this address; see `Retry-After`",
    ),
)
async def verify_api_key(body: VerifyIn, deps: DepsDep) -> Response:
    """200 for every well-formed request: `active: true` with the key's tenant, scopes and the
    tenant's config generation, or `active: false` with the reason."""
    verdict = await deps.key_verifier.verify(body.api_key)
    used = verdict.used
    return Response(
        verdict.answer.model_dump_json(by_alias=True),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
        background=None if used is None else BackgroundTask(deps.key_verifier.record_use, used),
    )
