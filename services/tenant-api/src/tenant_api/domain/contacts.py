"""A tenant's contacts: exactly one primary at all times, every e-mail in the tenant's domains."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from uuid import UUID

from tenant_api.domain.errors import PrimaryContactRequired
from tenant_api.domain.onboarding import check_contact_domain


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
