"""The tenants' committed config generations: one autocommit statement on the gateway's
`AutocommitPool`, on every `GET /tenants/{id}/config` (step 1 in tenant_configs.py, which says
why it is enough)."""

from __future__ import annotations

from uuid import UUID

from tenant_api.adapters.autocommit_pool import AutocommitPool

_QUERY = "SELECT config_generation FROM tenants WHERE id = $1"


class ConfigGenerations:
    def __init__(self, pool: AutocommitPool) -> None:
        self._pool = pool

    async def get(self, tenant_id: UUID) -> int | None:
        """The generation committed last for this tenant; None: no such tenant."""
        found: int | None = await self._pool.fetchval(_QUERY, tenant_id)
        return found
