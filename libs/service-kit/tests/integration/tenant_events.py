"""The events the kit's tests send: a tenant's, as some service would publish it."""

from __future__ import annotations

import uuid
from typing import TypeVar

from shared_schemas.events import TenantReactivated, TenantRef, TenantSuspended

TenantEvent = TypeVar("TenantEvent", TenantReactivated, TenantSuspended)


def tenant_event(event_cls: type[TenantEvent], reason: str | None = None) -> TenantEvent:
    """An event of `event_cls` about a new tenant, in a correlation of its own."""
    tenant_id = uuid.uuid4()
    return event_cls.build(
        TenantRef(tenant_id=tenant_id, reason=reason),
        producer="kit-test",
        correlation_id=uuid.uuid4(),
        tenant_id=tenant_id,
    )


def reactivated() -> TenantReactivated:
    return tenant_event(TenantReactivated)


def suspended(reason: str | None = "kit test") -> TenantSuspended:
    return tenant_event(TenantSuspended, reason)
