"""Verified leads' facts: recorded from `lead.verified`, awaited by the lead's onboarding."""

from __future__ import annotations

import asyncio
from uuid import UUID

from shared_schemas.events import LeadVerified
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.lead import LeadFacts


async def record_lead_facts(event: LeadVerified, uow: TenantApiUnitOfWork) -> None:
    await uow.lead_facts.record_once(LeadFacts.of(event))


async def wait_for_lead_facts(
    uow: TenantApiUnitOfWork, lead_id: UUID, *, within: float, step: float = 0.1
) -> LeadFacts | None:
    """The lead's facts; `lead.verified` may still be in flight right after verification."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        facts = await uow.lead_facts.get(lead_id)
        if facts is not None or loop.time() >= deadline:
            return facts
        await uow.rollback()  # a fresh snapshot on the next look
        await asyncio.sleep(step)
