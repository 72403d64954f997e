"""The provisioner's word on a tenant's own OpenID client: `tenant.identity_client_registered`
records it (its users' tokens become that tenant's) and keeps its secrets in the vault as
`identity`; `tenant.identity_client_removed` stops that and drops the vault entry.

Either may come first, or twice: the table decides (see client_repository), and the vault
keeps the secrets of the tenant's newest live client only.
"""

from __future__ import annotations

import structlog

from service_kit.consumer import Consumer
from service_kit.sealing import Keyring
from shared_schemas.events import (
    IdentityClientRegistered,
    IdentityClientRemoved,
    IdentityClientSecrets,
    identity_client_binding,
)
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.identity_client import PROVIDER, vault_values
from tenant_api.vault import use_cases as vault
from tenant_api.vault.handed_over import PROVISIONER, opened_for_tenant
from tenant_api.vault.keys import VaultKeys

log = structlog.get_logger(__name__)


def identity_client_consumer(
    handover: Keyring, vault_keys: VaultKeys
) -> Consumer[TenantApiUnitOfWork]:
    async def registered(event: IdentityClientRegistered, uow: TenantApiUnitOfWork) -> None:
        d = event.data
        secrets = await opened_for_tenant(
            uow,
            handover,
            d.secrets,
            binding=identity_client_binding(d.tenant_id),
            contract=IdentityClientSecrets,
            tenant_id=d.tenant_id,
            what="identity client",
        )
        if secrets is None:
            return
        recorded = await uow.identity_clients.register(
            tenant_id=d.tenant_id,
            issuer=d.issuer,
            client_id=d.client_id,
            pipeline_id=d.pipeline_id,
            redirect_uris=d.redirect_uris,
            registered_at=d.registered_at,
        )
        if not recorded:
            log.info("identity client known already (seen, or removed first)")
            return
        await vault.store_if_newer(
            uow,
            vault_keys,
            tenant_id=d.tenant_id,
            provider=PROVIDER,
            values=vault_values(d.issuer, d.client_id, secrets),
            actor=event.actor or PROVISIONER,
            issued_at=d.registered_at,
        )

    async def removed(event: IdentityClientRemoved, uow: TenantApiUnitOfWork) -> None:
        d = event.data
        if not await uow.tenants.exists(d.tenant_id):
            log.warning("identity client removal of an unknown tenant; ignored")
            return
        await uow.identity_clients.remove(
            tenant_id=d.tenant_id, issuer=d.issuer, client_id=d.client_id, removed_at=d.removed_at
        )
        # A newer client of the tenant (a later pipeline's) keeps its secrets.
        if await uow.identity_clients.live_of(d.tenant_id) is None:
            await vault.delete(
                uow,
                tenant_id=d.tenant_id,
                provider=PROVIDER,
                actor=event.actor or PROVISIONER,
            )

    return Consumer(
        name="identity-clients",
        handlers={
            IdentityClientRegistered.TYPE: registered,
            IdentityClientRemoved.TYPE: removed,
        },
        shares_transactions=True,
    )
