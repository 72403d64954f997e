"""A tenant's contacts: exactly one primary at all times, every e-mail in the tenant's domains."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import (
    Contact,
    TenantContactAdded,
    TenantContactAddedData,
    TenantContactRemoved,
    TenantContactRemovedData,
    TenantContactUpdated,
    TenantContactUpdatedData,
)
from tenant_api.domain.changes import changes as changed_fields
from tenant_api.domain.errors import PrimaryContactRequired
from tenant_api.domain.onboarding import check_contact_domain
from tenant_api.domain.tenant_events import about_tenant

T = TypeVar("T")


@dataclass(frozen=True)
class TenantContact:
    id: UUID
    first_name: str
    last_name: str
    email: str
    is_primary: bool

    def edit(self, changes: ContactChanges, domains: Sequence[str]) -> ContactChanges:
        """What actually changes: `is_primary` only when this contact is promoted.

        The primary contact cannot step down (another one is promoted instead), and a new
        e-mail, or a promotion, must be in the tenant's domains.
        """
        if changes.is_primary is False and self.is_primary:
            raise PrimaryContactRequired("demote")
        promote = changes.is_primary is True and not self.is_primary
        if changes.email is not None or promote:
            check_contact_domain(changes.email or self.email, domains, field="email")
        return replace(changes, is_primary=True if promote else None)

    def check_removable(self) -> None:
        if self.is_primary:
            raise PrimaryContactRequired("delete")

    def edited(self, effective: ContactChanges) -> TenantContact:
        """This contact with the changes `edit` found effective."""
        return TenantContact(
            id=self.id,
            first_name=_either(effective.first_name, self.first_name),
            last_name=_either(effective.last_name, self.last_name),
            email=_either(effective.email, self.email),
            is_primary=_either(effective.is_primary, self.is_primary),
        )

    def added(
        self, tenant_id: UUID, demoted: UUID | None, now: datetime, actor: Actor | None
    ) -> TenantContactAdded:
        """The event of this new contact (`demoted`: the primary it replaced as such)."""
        data = TenantContactAddedData(
            tenant_id=tenant_id,
            contact_id=self.id,
            contact=self._contact(),
            is_primary=self.is_primary,
            demoted_contact_id=demoted,
        )
        return about_tenant(TenantContactAdded, data, tenant_id=tenant_id, now=now, actor=actor)

    def updated(
        self,
        edited: TenantContact,
        *,
        tenant_id: UUID,
        demoted: UUID | None,
        now: datetime,
        actor: Actor | None,
    ) -> TenantContactUpdated | None:
        """The event of the edit from this contact to `edited`; None when nothing changed."""
        changed = changed_fields(self._shown(), edited._shown())
        if not changed:
            return None
        data = TenantContactUpdatedData(
            tenant_id=tenant_id, contact_id=self.id, changes=changed, demoted_contact_id=demoted
        )
        return about_tenant(TenantContactUpdated, data, tenant_id=tenant_id, now=now, actor=actor)

    def removed(self, tenant_id: UUID, now: datetime, actor: Actor | None) -> TenantContactRemoved:
        data = TenantContactRemovedData(
            tenant_id=tenant_id, contact_id=self.id, contact=self._contact()
        )
        return about_tenant(TenantContactRemoved, data, tenant_id=tenant_id, now=now, actor=actor)

    def _contact(self) -> Contact:
        return Contact(first_name=self.first_name, last_name=self.last_name, email=self.email)

    def _shown(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "id"}


@dataclass(frozen=True)
class ContactChanges:
    """None: unchanged."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    is_primary: bool | None = None

    def given(self) -> dict[str, str | bool]:
        """The fields that change, by name (their column names)."""
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {name: value for name, value in values if value is not None}


def _either(new: T | None, old: T) -> T:
    return old if new is None else new
