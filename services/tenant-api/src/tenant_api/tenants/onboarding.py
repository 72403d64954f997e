"""Onboarding: creating a tenant (PENDING_PROVISION) with its primary contact and address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared_schemas import Actor
from shared_schemas.events import Address, Contact, TenantOnboarded, TenantOnboardedData, Tier
from tenant_api import PRODUCER
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.contacts import TenantContact
from tenant_api.domain.errors import KeyTaken, LeadAlreadyOnboarded, UnknownPlan
from tenant_api.domain.onboarding import DEFAULT_PLAN_ID
from tenant_api.domain.status import TenantStatus
from tenant_api.domain.tenant import PostalAddress, Tenant


@dataclass(frozen=True)
class Onboard:
    key: str
    name: str
    tier: Tier
    plan_id: str | None
    domains: list[str]
    contact: Contact
    address: Address | None
    actor: Actor
    lead_id: UUID | None = None


async def onboard(cmd: Onboard, uow: TenantApiUnitOfWork, now: datetime) -> UUID:
    """Create the tenant (PENDING_PROVISION) with its primary contact and address."""
    plan_id = cmd.plan_id or DEFAULT_PLAN_ID
    if await uow.plans.get(plan_id) is None:
        raise UnknownPlan(plan_id)
    if await uow.tenants.key_taken(cmd.key):
        raise KeyTaken(cmd.key)
    lead_id = cmd.lead_id
    if lead_id is not None and await uow.tenants.lead_has_tenant(lead_id):
        raise LeadAlreadyOnboarded()
    tenant = Tenant(
        id=uuid4(),
        key=cmd.key,
        name=cmd.name,
        status=TenantStatus.PENDING_PROVISION,
        tier=cmd.tier,
        plan_id=plan_id,
        domains=tuple(cmd.domains),
        lead_id=cmd.lead_id,
        created_at=now,
        updated_at=now,
    )
    contact = TenantContact(
        id=uuid4(),
        first_name=cmd.contact.first_name,
        last_name=cmd.contact.last_name,
        email=str(cmd.contact.email),
        is_primary=True,
    )
    address = PostalAddress(**cmd.address.model_dump()) if cmd.address else None
    await uow.tenants.add(tenant, contact, address)
    await uow.outbox.add(
        TenantOnboarded.build(
            TenantOnboardedData(
                tenant_id=tenant.id,
                key=cmd.key,
                name=cmd.name,
                tier=cmd.tier,
                plan_id=plan_id,
                domains=cmd.domains,
                lead_id=cmd.lead_id,
                contact=cmd.contact,
                address=cmd.address,
            ),
            producer=PRODUCER,
            correlation_id=cmd.lead_id or tenant.id,
            tenant_id=tenant.id,
            occurred_at=now,
            actor=cmd.actor,
        )
    )
    return tenant.id
