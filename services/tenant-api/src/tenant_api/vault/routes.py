"""`/tenants/{id}/credentials`: the tenant's third-party credentials, encrypted at rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from service_kit.problems import Forbidden, NotFound, ServiceUnavailable, problem_responses
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.auth import KeyReader
from tenant_api.deps import DepsDep
from tenant_api.domain.keyring import CredentialUnreadable, VaultError
from tenant_api.domain.masking import mask_all
from tenant_api.domain.vault import may_reveal
from tenant_api.runtime import Runtime
from tenant_api.vault import use_cases as vault
from tenant_api.vault.keys import VaultKeys
from tenant_api.vault.models import CredentialIn, CredentialList, CredentialOut, CredentialSummary
from tenant_api.web.errors import tenant_problems
from tenant_api.web.listing import read_of_tenant
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["credentials"])

Provider = Annotated[
    str, Path(pattern=r"^[a-z0-9-]{2,50}$", description="e.g. `stripe`, `github-app`.")
]
VAULT_DOWN = "The vault cannot decrypt (master key unavailable, or the ciphertext was altered)"
NO_CREDENTIAL = "No such tenant (or not yours), or no credential for this provider"
BAD_PROVIDER = "Invalid id or provider"


class VaultKeyUnavailableProblem(ServiceUnavailable):
    slug = "vault-key-unavailable"


class CredentialUnreadableProblem(ServiceUnavailable):
    slug = "credential-unreadable"


async def get_vault_keys(deps: DepsDep) -> VaultKeys:
    return deps.vault_keys


VaultKeysDep = Annotated[VaultKeys, Depends(get_vault_keys)]


@router.put(
    "/{tenant_id}/credentials/{provider}",
    response_model=CredentialOut,
    responses={
        201: {"description": "Stored for the first time", "model": CredentialOut},
        **tenant_problems(
            r413="Body too large", r422="Invalid id, provider or body", r503=VAULT_DOWN
        ),
    },
)
async def put_credential(
    tenant_id: UUID,
    provider: Provider,
    body: CredentialIn,
    principal: KeyReader,
    runtime: RuntimeDep,
    keys: VaultKeysDep,
    response: Response,
) -> CredentialOut:
    """Store or replace the tenant's credential for a provider (admin, or the tenant itself)."""
    principal.ensure_tenant(tenant_id)
    async with _vault_uow(runtime) as uow:
        await uow.tenants.ensure_writable(tenant_id)
        stored = await vault.store(
            uow,
            keys,
            tenant_id=tenant_id,
            provider=provider,
            values=body.root,
            actor=principal.actor,
        )
    response.status_code = 201 if stored.created else 200
    response.headers["Cache-Control"] = "no-store"
    return _out(tenant_id, provider, stored, masked=True)


@router.get(
    "/{tenant_id}/credentials",
    response_model=CredentialList,
    responses=tenant_problems(),
)
async def list_credentials(
    tenant_id: UUID, principal: KeyReader, runtime: RuntimeDep
) -> CredentialList:
    """The providers the tenant has credentials for (no values)."""
    principal.ensure_tenant(tenant_id)
    entries = await read_of_tenant(runtime, tenant_id, lambda uow: uow.vault.providers(tenant_id))
    return CredentialList.of(
        [
            CredentialSummary(provider=e.provider, created_at=e.created_at, updated_at=e.updated_at)
            for e in entries
        ]
    )


@router.get(
    "/{tenant_id}/credentials/{provider}",
    response_model=CredentialOut,
    responses=problem_responses(
        r401="Missing or invalid token",
        r403="The role may not do this (only an admin may reveal, and a tenant its own database"
        " login or what VAULT_TENANT_REVEALABLE names)",
        r404=NO_CREDENTIAL,
        r422=BAD_PROVIDER,
        r503=VAULT_DOWN,
    ),
)
async def get_credential(
    tenant_id: UUID,
    provider: Provider,
    principal: KeyReader,
    runtime: RuntimeDep,
    keys: VaultKeysDep,
    response: Response,
    reveal: Annotated[
        bool,
        Query(
            description="Plaintext values instead of masked ones (admin; a tenant for the"
            " providers VAULT_TENANT_REVEALABLE names, `database` by default; audited)."
        ),
    ] = False,
) -> CredentialOut:
    """The credential with its values masked, or in plaintext with `reveal=true` (admin; the
    tenant itself for what it was handed to use, such as its database login)."""
    principal.ensure_tenant(tenant_id)
    revealable = runtime.settings.tenant_revealable
    if reveal and not may_reveal(principal.role, provider, revealable):
        async with runtime.uow() as uow:
            await vault.deny_reveal(
                uow, tenant_id=tenant_id, provider=provider, actor=principal.actor
            )
            await uow.commit()
        raise Forbidden("This credential is revealed only to an admin; read it masked instead.")
    async with _vault_uow(runtime) as uow:
        found = await vault.read(
            uow, keys, tenant_id=tenant_id, provider=provider, actor=principal.actor, reveal=reveal
        )
    if found is None:
        raise _no_credential(provider)
    response.headers["Cache-Control"] = "no-store"
    return _out(tenant_id, provider, found, masked=not reveal)


@router.delete(
    "/{tenant_id}/credentials/{provider}",
    status_code=204,
    responses=tenant_problems(r404=NO_CREDENTIAL, r422=BAD_PROVIDER),
)
async def delete_credential(
    tenant_id: UUID, provider: Provider, principal: KeyReader, runtime: RuntimeDep
) -> Response:
    """Remove the tenant's credential for a provider (admin, or the tenant itself)."""
    principal.ensure_tenant(tenant_id)
    async with runtime.uow() as uow:
        await uow.tenants.ensure_writable(tenant_id)
        deleted = await vault.delete(
            uow, tenant_id=tenant_id, provider=provider, actor=principal.actor
        )
        await uow.commit()
    if not deleted:
        raise _no_credential(provider)
    return Response(status_code=204)


def _no_credential(provider: str) -> NotFound:
    return NotFound(f"No `{provider}` credential for this tenant.")


@asynccontextmanager
async def _vault_uow(runtime: Runtime) -> AsyncIterator[TenantApiUnitOfWork]:
    """Commit on success; on a vault failure commit its audit row, then answer 503."""
    async with runtime.uow() as uow:
        try:
            yield uow
        except VaultError as exc:
            await uow.commit()
            if isinstance(exc, CredentialUnreadable):
                raise CredentialUnreadableProblem(
                    "The stored credential does not decrypt (altered, or copied from another "
                    "tenant or provider); nothing was revealed. The attempt was audited."
                ) from exc
            raise VaultKeyUnavailableProblem(
                "Vault key unavailable: the master key for this tenant's data key is missing "
                "or wrong; nothing was decrypted. The attempt was audited."
            ) from exc
        await uow.commit()


def _out(tenant_id: UUID, provider: str, found: vault.Credential, *, masked: bool) -> CredentialOut:
    return CredentialOut(
        tenant_id=tenant_id,
        provider=provider,
        masked=masked,
        values=mask_all(found.values) if masked else found.values,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )
