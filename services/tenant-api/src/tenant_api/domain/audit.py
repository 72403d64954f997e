"""Which timeline entries an audit asks for, across tenants. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# An event type, or the start of one followed by `*` (`tenant.contact_*`).
TYPE_PATTERN = r"^[a-z][a-z0-9_.]{0,99}\*?$"


@dataclass(frozen=True)
class AuditFilter:
    """Every field optional; all must hold."""

    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    actor: str | None = None  # the actor's `sub`, exactly
    role: str | None = None
    tenant_id: UUID | None = None
    event_type: str | None = None  # as TYPE_PATTERN
    only_actions: bool = False  # entries someone asked for (an actor), not the system's own

    @property
    def type_exact(self) -> str | None:
        """The one event type asked for; None when none is, or a prefix is."""
        if self.event_type is None or self.event_type.endswith("*"):
            return None
        return self.event_type

    @property
    def type_prefix(self) -> str | None:
        """What every event type asked for starts with (`tenant.contact_*`); None otherwise."""
        if self.event_type is None or not self.event_type.endswith("*"):
            return None
        return self.event_type[:-1]
