"""The desk a saga test works at: the gateway, tokens for any role, the database, and tenants
driven through the saga by the fake provisioner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from service_kit_testing import SqlRunner

from .gateway import Token, bearer
from .saga import FakeProvisioner, activate, eventually

NewTenant = Callable[..., Awaitable[dict[str, Any]]]
Provisioning = Callable[..., Awaitable[FakeProvisioner]]


@dataclass(frozen=True)
class Desk:
    client: httpx.AsyncClient
    token: Token
    sql: SqlRunner
    new_tenant: NewTenant  # a tenant an admin onboarded, as JSON
    provisioning: Provisioning  # a new tenant whose provisioning an admin started

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.token("admin"))

    def own(self, tenant_id: Any) -> dict[str, str]:
        """The headers of the tenant itself."""
        return bearer(self.token("tenant", tenant_id=tenant_id))

    async def tenant(self, tenant_id: Any) -> dict[str, Any]:
        """The tenant as an admin reads it."""
        response = await self.client.get(f"/tenants/{tenant_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        tenant: dict[str, Any] = response.json()
        return tenant

    async def status(self, tenant_id: Any) -> str:
        return str((await self.tenant(tenant_id))["status"])

    async def pipeline(self, tenant_id: Any) -> dict[str, Any]:
        """The tenant's current pipeline as an admin reads it."""
        response = await self.client.get(f"/tenants/{tenant_id}/pipeline", headers=self.admin)
        assert response.status_code == 200, response.text
        pipeline: dict[str, Any] = response.json()
        return pipeline

    async def reaches(self, tenant_id: Any, status: str) -> None:
        """Wait until the tenant is in `status`."""

        async def there() -> bool:
            return await self.status(tenant_id) == status

        await eventually(there, what=f"tenant {tenant_id} {status}")

    async def active(self, **tenant_args: Any) -> FakeProvisioner:
        """A new tenant the fake provisioner took to ACTIVE."""
        saga = await self.provisioning(**tenant_args)
        await activate(saga, self.sql)
        return saga
