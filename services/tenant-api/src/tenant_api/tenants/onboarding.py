"""Onboarding: verified leads' facts, and creating a tenant (PENDING_PROVISION)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert

from service_kit.db import UnitOfWork
from service_kit.problems import Conflict, Unprocessable
from shared_schemas.events import (
    Address,
    Contact,
    LeadVerified,
    TenantOnboarded,
    TenantOnboardedData,
    Tier,
)
from tenant_api import PRODUCER
from tenant_api.adapters.orm import lead_facts
from tenant_api.domain.onboarding import DEFAULT_PLAN_ID
from tenant_api.domain.status import TenantStatus
from tenant_api.plans import repository as plan_repository
from tenant_api.tenants import repository as tenant_repository


@dataclass(frozen=True)
class Onboard:
    key: str
    name: str
    tier: Tier
    plan_id: str | None
    domains: list[str]
    contact: Contact
    address: Address | None
    lead_id: UUID | None = None


_RECORD_LEAD_FACTS = insert(lead_facts).on_conflict_do_nothing()  # built once


async def record_lead_facts(event: LeadVerified, uow: UnitOfWork) -> None:
    d = event.data
    await uow.session.execute(
        _RECORD_LEAD_FACTS,
        {
            "lead_id": d.lead_id,
            "first_name": d.first_name,
            "last_name": d.last_name,
            "company_name": d.company_name,
            "email": str(d.email),
            "address": d.address.model_dump() if d.address else None,
            "verified_at": d.verified_at,
        },
    )


async def wait_for_lead_facts(
    uow: UnitOfWork, lead_id: UUID, *, within: float, step: float = 0.1
) -> Row[Any] | None:
    """The lead's facts; `lead.verified` may still be in flight right after verification."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        row = (
            await uow.session.execute(select(lead_facts).where(lead_facts.c.lead_id == lead_id))
        ).first()
        if row is not None or loop.time() >= deadline:
            return row
        await uow.session.rollback()  # a fresh snapshot on the next look
        await asyncio.sleep(step)


async def onboard(cmd: Onboard, uow: UnitOfWork, now: datetime) -> UUID:
    """Create the tenant (PENDING_PROVISION) with its primary contact and address."""
    plan_id = cmd.plan_id or DEFAULT_PLAN_ID
    if await plan_repository.get(uow.session, plan_id) is None:
        detail = f"There is no plan {plan_id!r}; GET /plans lists them."
        raise Unprocessable(
            detail, errors=[{"loc": ["body", "planId"], "msg": detail, "type": "unknown_plan"}]
        )
    if await tenant_repository.key_taken(uow.session, cmd.key):
        raise Conflict(f"The tenant key {cmd.key!r} is taken.")
    lead_id = cmd.lead_id
    if lead_id is not None and await tenant_repository.lead_has_tenant(uow.session, lead_id):
        raise Conflict("This lead has already onboarded a tenant.")
    tenant_id = uuid4()
    await tenant_repository.add(
        uow.session,
        tenant={
            "id": tenant_id,
            "key": cmd.key,
            "name": cmd.name,
            "status": TenantStatus.PENDING_PROVISION,
            "tier": cmd.tier,
            "plan_id": plan_id,
            "domains": cmd.domains,
            "lead_id": cmd.lead_id,
            "created_at": now,
            "updated_at": now,
        },
        contact={
            "id": uuid4(),
            "first_name": cmd.contact.first_name,
            "last_name": cmd.contact.last_name,
            "email": str(cmd.contact.email),
            "is_primary": True,
        },
        address=cmd.address.model_dump() if cmd.address else None,
    )
    await uow.outbox.add(
        TenantOnboarded.build(
            TenantOnboardedData(
                tenant_id=tenant_id,
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
            correlation_id=cmd.lead_id or tenant_id,
            tenant_id=tenant_id,
            occurred_at=now,
        )
    )
    return tenant_id
