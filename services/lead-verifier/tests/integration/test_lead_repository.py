"""The leads repository on real PostgreSQL: the partial unique index has the last word on a
verified address, and answers as a domain error."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lead_verifier.adapters.unit_of_work import LeadsUnitOfWork
from lead_verifier.domain.errors import EmailAlreadyVerified
from lead_verifier.domain.leads import Lead, LeadStatus
from lead_verifier.settings import LeadVerifierSettings
from service_kit.db import make_engine, make_sessionmaker
from service_kit.outbox import notify_channel


@pytest.mark.usefixtures("migrated")
async def test_verifying_a_second_lead_of_a_verified_address_raises_email_already_verified(
    settings: LeadVerifierSettings,
) -> None:
    now = datetime.now(UTC)
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"
    a, b = (
        Lead(uuid.uuid4(), "Ada", "Lovelace", "Engines", email, None, LeadStatus.PENDING, now)
        for _ in range(2)
    )
    engine = make_engine(settings.database_url, schema=settings.db_schema)
    try:
        sessions = make_sessionmaker(engine)
        async with LeadsUnitOfWork(sessions, notify_channel(settings.db_schema)) as uow:
            for lead in (a, b):
                await uow.leads.add(lead, None)
            await uow.leads.save_verified(a.verify(now)[0])
            # As a concurrent verification that passed the check before `a` committed would.
            with pytest.raises(EmailAlreadyVerified) as refused:
                await uow.leads.save_verified(b.verify(now)[0])
        assert str(refused.value) == "This e-mail address has already been verified."
    finally:
        await engine.dispose()
