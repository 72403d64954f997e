"""What `PATCH /tenants/{id}` may change (name, domains, address), and the event of a change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import TenantUpdated, TenantUpdatedData
from tenant_api.domain.changes import changes
from tenant_api.domain.tenant import PostalAddress
from tenant_api.domain.tenant_events import about_tenant


@dataclass(frozen=True)
class TenantDetails:
    name: str
    domains: tuple[str, ...]
    address: PostalAddress | None

    def edit(
        self,
        *,
        name: str | None = None,
        domains: Sequence[str] | None = None,
        address: PostalAddress | None = None,
        address_given: bool = False,
    ) -> TenantDetails:
        """The details once edited: None keeps a field; `address_given` with None removes it."""
        edited = self
        if name is not None:
            edited = replace(edited, name=name)
        if domains is not None:
            edited = replace(edited, domains=tuple(domains))
        if address_given:
            edited = replace(edited, address=address)
        return edited

    def updated(
        self, edited: TenantDetails, *, tenant_id: UUID, now: datetime, actor: Actor | None
    ) -> TenantUpdated | None:
        """The event of the edit from these details to `edited`; None when nothing changed."""
        changed = changes(self._shown(), edited._shown())
        if not changed:
            return None
        data = TenantUpdatedData(tenant_id=tenant_id, changes=changed)
        return about_tenant(TenantUpdated, data, tenant_id=tenant_id, now=now, actor=actor)

    def _shown(self) -> dict[str, Any]:
        address = asdict(self.address) if self.address else None
        return {"name": self.name, "domains": list(self.domains), "address": address}
