"""tenant-api's unit of work: one transaction, and the repositories that work inside it.

Each feature's repository is an attribute (`uow.tenants`, `uow.pipelines`, …) built on the
transaction's session when the unit of work opens; use cases and consumers' handlers reach the
database only through them, and get frozen domain objects back, never rows.
"""

from __future__ import annotations

from typing import Self

from service_kit.db import UnitOfWork
from tenant_api.api_keys.repository import KeyHandoverRepository
from tenant_api.config.repository import TenantConfigRepository
from tenant_api.dead_letters.repository import DeadLetterRepository
from tenant_api.vault.repository import VaultRepository


class TenantApiUnitOfWork(UnitOfWork):
    async def __aenter__(self) -> Self:
        await super().__aenter__()
        # config, vault, api_keys, dead_letters
        self.configs = TenantConfigRepository(self.session)
        self.vault = VaultRepository(self.session)
        self.key_handovers = KeyHandoverRepository(self.session)
        self.dead_letters = DeadLetterRepository(self.session)
        return self
