"""`GET /tenants/{id}/api-key`: the tenant's first admin API key, handed out exactly once."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from service_kit.app import RuntimeDep
from service_kit.problems import NotFound, problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.adapters.initial_keys import take_initial_key
from tenant_api.api.errors import AUTH
from tenant_api.auth import KeyReader

router = APIRouter(prefix="/tenants", tags=["credentials"])


class InitialApiKeyOut(ApiModel):
    """Shown once: store it now; only its hash is kept."""

    tenant_id: UUID
    api_key: str


@router.get(
    "/{tenant_id}/api-key",
    response_model=InitialApiKeyOut,
    responses=problem_responses(
        **AUTH,
        r404="No such tenant (or not yours), or the key was already taken or has expired",
        r422="Invalid id",
    ),
)
async def take_api_key(
    tenant_id: UUID, principal: KeyReader, runtime: RuntimeDep, response: Response
) -> InitialApiKeyOut:
    """The initial admin API key, once (24 h after provisioning at most); then 404."""
    principal.ensure_tenant(tenant_id)
    assert runtime.redis is not None, "tenant-api runs with Redis"
    key = await take_initial_key(runtime.redis, runtime.settings.redis_key_prefix, tenant_id)
    if key is None:
        raise NotFound("No API key is waiting for this tenant (already taken, or expired).")
    response.headers["Cache-Control"] = "no-store"
    return InitialApiKeyOut(tenant_id=tenant_id, api_key=key)
