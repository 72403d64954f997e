"""The leads table as lead-verifier's use cases see it: `Lead`s in, `Lead`s out."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from lead_verifier.adapters import lead_queries
from lead_verifier.adapters.orm import leads
from lead_verifier.domain.errors import EmailAlreadyVerified, LeadNotFound
from lead_verifier.domain.lead_filter import LeadFilter
from lead_verifier.domain.leads import Lead, LeadStatus
from service_kit.db import constant
from service_kit.repository import Repository
from service_kit.rows import from_row
from shared_schemas.events import Address

# Built once: building a statement per sign-up cost more than running it from the cache. The
# status is a constant, so that a cached plan uses the partial unique index on verified e-mails.
VERIFIED_WITH_EMAIL = select(leads.c.id).where(
    leads.c.email == bindparam("email"), leads.c.status == constant(LeadStatus.VERIFIED)
)
_INSERT_LEAD = insert(leads)
# A concurrent sign-up with the same key waits here for the first to commit (or roll back), so
# exactly one of them inserts; the other finds the lead below.
_INSERT_KEYED_LEAD = (
    insert(leads)
    .on_conflict_do_nothing(index_elements=[leads.c.idempotency_key])
    .returning(leads.c.id)
)
_LEAD_WITH_KEY = select(leads.c.id).where(leads.c.idempotency_key == bindparam("key"))
_LEAD_BY_ID = select(leads).where(leads.c.id == bindparam("lead_id"))


def lead_from_row(row: Any) -> Lead:
    """A lead from a row that holds the leads table's columns."""
    address = Address.model_validate(row.address) if row.address else None
    return from_row(Lead, row, address=address, status=LeadStatus(row.status))


class Leads(Repository):
    async def get(self, lead_id: UUID) -> Lead:
        """The lead; `LeadNotFound` if there is none."""
        row = (await self._session.execute(_LEAD_BY_ID, {"lead_id": lead_id})).first()
        if row is None:
            raise LeadNotFound("No such lead.")
        return lead_from_row(row)

    async def page(
        self, where: LeadFilter, *, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[Lead]:
        """Up to `limit` leads newest first, strictly after the (created_at, id) position
        `before`: a total order, so a cursor is stable while leads sign up."""
        rows = await self._session.execute(lead_queries.page(where, before=before, limit=limit))
        return [lead_from_row(row) for row in rows]

    async def count(self, where: LeadFilter) -> int:
        return int(await self._session.scalar(lead_queries.count(where)) or 0)

    async def verified_with_email(self, email: str) -> bool:
        return await self._session.scalar(VERIFIED_WITH_EMAIL, {"email": email}) is not None

    async def verified_elsewhere(self, lead: Lead) -> bool:
        """Whether another lead with `lead`'s e-mail address is verified."""
        other = await self._session.scalar(
            select(leads.c.id).where(
                leads.c.email == lead.email,
                leads.c.status == constant(LeadStatus.VERIFIED),
                leads.c.id != lead.id,
            )
        )
        return other is not None

    async def add(self, lead: Lead, idempotency_key: str | None) -> UUID:
        """Store `lead`; with a key a lead was stored under before, store nothing and answer
        that lead's id instead."""
        row = {
            "id": lead.id,
            "first_name": lead.first_name,
            "last_name": lead.last_name,
            "company_name": lead.company_name,
            "email": lead.email,
            "address": lead.address.model_dump() if lead.address else None,
            "status": lead.status,
            "created_at": lead.created_at,
            "idempotency_key": idempotency_key,
        }
        if idempotency_key is None:
            await self._session.execute(_INSERT_LEAD, row)
            return lead.id
        if await self._session.scalar(_INSERT_KEYED_LEAD, row) is not None:
            return lead.id
        existing = await self._session.scalar(_LEAD_WITH_KEY, {"key": idempotency_key})
        assert isinstance(existing, UUID)  # the conflict was with a committed row
        return existing

    async def save_verified(self, lead: Lead) -> None:
        """Record `lead` verified; `EmailAlreadyVerified` if a concurrent verification of
        another lead with the same address got there first (the partial unique index)."""
        try:
            await self._session.execute(
                update(leads)
                .where(leads.c.id == lead.id)
                .values(status=lead.status, verified_at=lead.verified_at)
            )
        except IntegrityError as exc:
            raise EmailAlreadyVerified("This e-mail address has already been verified.") from exc
