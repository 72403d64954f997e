"""`/tenants/{id}/api-keys`: a tenant's API keys, listed without secrets, created and rotated
(the new key shown once), revoked. Admins and the tenant itself; operators may list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from fastapi import APIRouter, Request, Response

from tenant_api.api_keys import management
from tenant_api.api_keys.models import ApiKeyIn, ApiKeyList, NewApiKeyOut, RotateIn, key_out
from tenant_api.auth import KeyReader, TenantReader
from tenant_api.idempotency import reveals_secret
from tenant_api.web.errors import NOT_ACTIVE, tenant_problems
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["api keys"])

NO_KEY = "No such tenant (or not yours), or no such key of it"


@router.get(
    "/{tenant_id}/api-keys",
    response_model=ApiKeyList,
    responses=tenant_problems(),
)
async def list_api_keys(
    tenant_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> ApiKeyList:
    """The tenant's API keys, newest first, without secrets (admin, operator, that tenant)."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        keys = await management.list_keys(tenant_id, uow)
    replaced = {key.rotated_from for key in keys if key.rotated_from is not None}
    now = datetime.now(UTC)
    return ApiKeyList.of([key_out(key, now, replaced=key.id in replaced) for key in keys])


@router.post(
    "/{tenant_id}/api-keys",
    status_code=201,
    response_model=NewApiKeyOut,
    responses=tenant_problems(r409=NOT_ACTIVE, r422="Invalid id, body or scopes"),
)
async def create_api_key(
    tenant_id: UUID,
    body: ApiKeyIn,
    principal: KeyReader,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
) -> NewApiKeyOut:
    """Make a key (admin, that tenant); `apiKey` is in this answer only (a retry under the
    same `Idempotency-Key` is answered 409: the key is never kept to be shown again)."""
    principal.ensure_tenant(tenant_id)
    expires_in = None if body.expires_in_days is None else timedelta(days=body.expires_in_days)
    spec = management.KeySpec(name=body.name, scopes=body.scopes, expires_in=expires_in)
    async with runtime.uow() as uow:
        made = await management.create_key(tenant_id, spec, principal.actor, uow, datetime.now(UTC))
        await uow.commit()
    return _revealed(made, request, response)


@router.post(
    "/{tenant_id}/api-keys/{key_id}/rotate",
    status_code=201,
    response_model=NewApiKeyOut,
    responses=tenant_problems(
        r404=NO_KEY,
        r409=f"{NOT_ACTIVE}, or the key is revoked or expired",
        r422="Invalid id or body",
    ),
)
async def rotate_api_key(
    tenant_id: UUID,
    key_id: UUID,
    principal: KeyReader,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    body: RotateIn | None = None,
) -> NewApiKeyOut:
    """Replace a key (admin, that tenant): the new one, same name and scopes, is in this answer
    only; the old one works on for `overlapSeconds` (default a day)."""
    principal.ensure_tenant(tenant_id)
    overlap = timedelta(seconds=(body or RotateIn()).overlap_seconds)
    async with runtime.uow() as uow:
        made = await management.rotate_key(
            tenant_id, key_id, overlap, principal.actor, uow, datetime.now(UTC)
        )
        await uow.commit()
    return _revealed(made, request, response)


@router.delete(
    "/{tenant_id}/api-keys/{key_id}",
    status_code=204,
    response_class=Response,
    responses=tenant_problems(r404=NO_KEY),
)
async def revoke_api_key(
    tenant_id: UUID, key_id: UUID, principal: KeyReader, runtime: RuntimeDep
) -> Response:
    """Revoke a key at once (admin, that tenant), whatever the tenant's status; again: 204."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        await management.revoke_key(tenant_id, key_id, principal.actor, uow, datetime.now(UTC))
        await uow.commit()
    return Response(status_code=204)


def _revealed(made: management.Revealed, request: Request, response: Response) -> NewApiKeyOut:
    reveals_secret(request)
    response.headers["Cache-Control"] = "no-store"
    out = key_out(made.key, made.key.created_at, replaced=False)
    return NewApiKeyOut(**out.model_dump(), api_key=made.plaintext)
