"""Verified leads' facts, kept from `lead.verified` for their onboarding."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import lead_facts
from tenant_api.domain.lead import LeadFacts

_RECORD = insert(lead_facts).on_conflict_do_nothing()  # built once


class LeadFactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_once(self, facts: LeadFacts) -> None:
        """Keep the facts; the same lead again changes nothing."""
        await self._session.execute(_RECORD, asdict(facts))

    async def get(self, lead_id: UUID) -> LeadFacts | None:
        query = select(lead_facts).where(lead_facts.c.lead_id == lead_id)
        row = (await self._session.execute(query)).first()
        return None if row is None else LeadFacts(**row._asdict())
