"""The provisioner's `tenant.database_credentials_issued` into the vault, as the tenant's
`database` credential: an older connection (by `issued_at`) never replaces a newer one."""

from __future__ import annotations

import structlog

from service_kit.consumer import Consumer
from service_kit.sealing import Keyring
from shared_schemas.events import (
    DatabaseConnection,
    DatabaseCredentialsIssued,
    database_credentials_binding,
)
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.database_login import PROVIDER, vault_values
from tenant_api.vault import use_cases as vault
from tenant_api.vault.handed_over import PROVISIONER, opened_for_tenant
from tenant_api.vault.keys import VaultKeys

log = structlog.get_logger(__name__)


def database_credentials_consumer(
    handover: Keyring, vault_keys: VaultKeys
) -> Consumer[TenantApiUnitOfWork]:
    async def issued(event: DatabaseCredentialsIssued, uow: TenantApiUnitOfWork) -> None:
        d = event.data
        connection = await opened_for_tenant(
            uow,
            handover,
            d.connection,
            binding=database_credentials_binding(d.tenant_id),
            contract=DatabaseConnection,
            tenant_id=d.tenant_id,
            what="database credentials",
        )
        if connection is None:
            return
        stored = await vault.store_if_newer(
            uow,
            vault_keys,
            tenant_id=d.tenant_id,
            provider=PROVIDER,
            values=vault_values(connection),
            actor=event.actor or PROVISIONER,
            issued_at=connection.issued_at,
        )
        if stored is None:
            log.info("database credentials older than the vault's; kept the newer")

    return Consumer(
        name="database-credentials",
        handlers={DatabaseCredentialsIssued.TYPE: issued},
        shares_transactions=True,
    )
