"""A change of a tenant's feature flags, flag by flag, and its event. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import (
    FlagValue,
    TenantFeatureFlagsChanged,
    TenantFeatureFlagsChangedData,
    ValueChange,
)
from tenant_api.domain.changes import same
from tenant_api.domain.tenant_events import about_tenant


@dataclass(frozen=True)
class FlagChanges:
    added: Mapping[str, FlagValue]
    removed: Mapping[str, FlagValue]
    changed: Mapping[str, ValueChange]

    @classmethod
    def between(
        cls, before: Mapping[str, FlagValue], after: Mapping[str, FlagValue]
    ) -> FlagChanges:
        """Flags new in `after`, gone from it, and kept with another value (compared as JSON:
        `true` and `1` are different values)."""
        return cls(
            added={name: value for name, value in after.items() if name not in before},
            removed={name: value for name, value in before.items() if name not in after},
            changed={
                name: ValueChange(before=value, after=after[name])
                for name, value in before.items()
                if name in after and not same(value, after[name])
            },
        )

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def event(
        self, tenant_id: UUID, generation: int, now: datetime, actor: Actor | None
    ) -> TenantFeatureFlagsChanged:
        """The event of this change, which made the tenant's config `generation`."""
        data = TenantFeatureFlagsChangedData(
            tenant_id=tenant_id,
            added=dict(self.added),
            removed=dict(self.removed),
            changed=dict(self.changed),
            generation=generation,
        )
        return about_tenant(
            TenantFeatureFlagsChanged, data, tenant_id=tenant_id, now=now, actor=actor
        )
