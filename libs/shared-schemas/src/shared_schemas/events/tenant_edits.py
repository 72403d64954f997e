"""Edits of a tenant's record after onboarding: its details, contacts and feature flags.

Producer: tenant-api, in the transaction of the change, with the caller as `actor`. Each says
what changed, field by field, as a before and an after; a field that holds a secret says only
that it changed.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, JsonValue

from shared_schemas.envelope import Contract, EventV1
from shared_schemas.events.common import Contact, TenantScoped


class ValueChange(Contract):
    """A field's value before and after the edit (null: it had, or has, none)."""

    before: JsonValue
    after: JsonValue


class SecretChange(Contract):
    """A field that holds a secret changed; its values are never carried."""

    changed: Literal[True]


Changes = dict[str, ValueChange | SecretChange]
"""Field name → its change; only the fields that changed."""

FlagValue = bool | int | float | str


class ContactRef(TenantScoped):
    contact_id: UUID


class TenantUpdatedData(TenantScoped):
    changes: Changes = Field(description="Of `name`, `domains` and `address`: those that changed.")


class TenantUpdated(EventV1):
    """`PATCH /tenants/{id}` changed the tenant's name, domains or address."""

    type: Literal["tenant.updated"] = "tenant.updated"
    data: TenantUpdatedData


class TenantContactAddedData(ContactRef):
    contact: Contact
    is_primary: bool
    demoted_contact_id: UUID | None = Field(
        default=None, description="The contact that stopped being primary for this one."
    )


class TenantContactAdded(EventV1):
    """A contact was added to the tenant."""

    type: Literal["tenant.contact_added"] = "tenant.contact_added"
    data: TenantContactAddedData


class TenantContactUpdatedData(ContactRef):
    changes: Changes = Field(
        description="Of `first_name`, `last_name`, `email` and `is_primary`: those that changed."
    )
    demoted_contact_id: UUID | None = Field(
        default=None, description="The contact that stopped being primary for this one."
    )


class TenantContactUpdated(EventV1):
    """A contact of the tenant changed (a promotion to primary included)."""

    type: Literal["tenant.contact_updated"] = "tenant.contact_updated"
    data: TenantContactUpdatedData


class TenantContactRemovedData(ContactRef):
    contact: Contact = Field(description="The contact as it was.")


class TenantContactRemoved(EventV1):
    """A contact (never the primary one) was removed from the tenant."""

    type: Literal["tenant.contact_removed"] = "tenant.contact_removed"
    data: TenantContactRemovedData


class TenantFeatureFlagsChangedData(TenantScoped):
    added: dict[str, FlagValue] = Field(description="New flags, with their values.")
    removed: dict[str, FlagValue] = Field(description="Flags gone, with the values they had.")
    changed: dict[str, ValueChange] = Field(description="Flags whose value changed.")
    generation: int = Field(ge=1, description="The config generation the change produced.")


class TenantFeatureFlagsChanged(EventV1):
    """`PUT /tenants/{id}/config/feature-flags` changed the tenant's feature flags."""

    type: Literal["tenant.feature_flags_changed"] = "tenant.feature_flags_changed"
    data: TenantFeatureFlagsChangedData
