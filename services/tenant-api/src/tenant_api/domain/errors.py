"""What the domain refuses, as typed errors; `web/errors.py` turns each into its problem answer."""

from __future__ import annotations

from typing import Literal
from uuid import UUID


class DomainError(Exception):
    """A command the rules refuse; nothing was changed."""


class TenantNotFound(DomainError):
    def __init__(self, tenant_id: UUID | None = None) -> None:
        super().__init__(f"no tenant {tenant_id}")
        self.tenant_id = tenant_id


class ContactNotFound(DomainError):
    pass


class InvoiceNotFound(DomainError):
    pass


class UnknownPlan(DomainError):
    def __init__(self, plan_id: str) -> None:
        super().__init__(f"no plan {plan_id!r}")
        self.plan_id = plan_id


class KeyTaken(DomainError):
    def __init__(self, key: str) -> None:
        super().__init__(f"the tenant key {key!r} is taken")
        self.key = key


class LeadAlreadyOnboarded(DomainError):
    """One tenant per lead."""


class OnboardingRaced(DomainError):
    """A concurrent onboarding took the key or the lead between the checks and the commit."""


class PrimaryContactRequired(DomainError):
    """A tenant always has exactly one primary contact."""

    def __init__(self, action: Literal["demote", "delete"]) -> None:
        super().__init__(f"the primary contact cannot be {action}d")
        self.action = action


class InvoiceNotPayable(DomainError):
    def __init__(self, status: str) -> None:
        super().__init__(f"an invoice in {status} cannot be paid")
        self.status = status


class OffboardingScheduled(DomainError):
    """During the offboarding grace a tenant is read-only: restore it first."""

    def __init__(self, tenant_id: UUID) -> None:
        super().__init__("offboarding is scheduled; restore it first")
        self.tenant_id = tenant_id
