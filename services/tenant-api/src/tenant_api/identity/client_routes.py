"""`GET /tenants/{id}/identity`: the tenant's own OpenID client (its secrets stay in the vault)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter

from service_kit.problems import NotFound, problem_responses
from shared_schemas.api.base import ApiModel
from tenant_api.auth import TenantReader
from tenant_api.web.errors import AUTH, NOT_FOUND
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["identity"])


class IdentityClientOut(ApiModel):
    """The client the `identity` step registered for the tenant at the OpenID provider; its
    secret is the vault's `identity` credential."""

    issuer: str
    client_id: str
    redirect_uris: list[str]
    registered_at: datetime


@router.get(
    "/{tenant_id}/identity",
    response_model=IdentityClientOut,
    responses=problem_responses(
        **AUTH, r404=f"{NOT_FOUND}, or no live client registered", r422="Invalid id"
    ),
)
async def get_identity_client(
    tenant_id: UUID, principal: TenantReader, runtime: RuntimeDep
) -> IdentityClientOut:
    """The tenant's own OpenID client: issuer, client id, redirect URIs (admin, operator, the
    tenant)."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        client = await uow.identity_clients.live_of(tenant_id)
    if client is None:
        raise NotFound("No identity client is registered for this tenant.")
    return IdentityClientOut(
        issuer=client.issuer,
        client_id=client.client_id,
        redirect_uris=client.redirect_uris,
        registered_at=client.registered_at,
    )
