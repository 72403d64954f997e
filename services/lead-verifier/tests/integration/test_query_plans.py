"""Cached (generic) plans use the indexes made for them: a sign-up's look for a verified lead
with its e-mail, the partial unique index on verified e-mails, not a scan of every lead there
ever was; an operator's page of leads, one index range already in order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lead_verifier.adapters import lead_queries
from lead_verifier.adapters.leads import VERIFIED_WITH_EMAIL
from lead_verifier.domain.lead_filter import LeadFilter
from lead_verifier.domain.leads import LeadStatus
from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import generic_plan


@pytest.mark.usefixtures("migrated")
async def test_the_verified_email_lookup_uses_its_partial_index(
    settings: LeadVerifierSettings,
) -> None:
    plan = await generic_plan(
        settings.asyncpg_dsn, settings.db_schema, VERIFIED_WITH_EMAIL, "ada@engines.example"
    )
    assert "leads_verified_email_uq" in plan, plan
    assert "Seq Scan" not in plan, plan


AT = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.usefixtures("migrated")
@pytest.mark.parametrize(
    ("where", "args", "index"),
    [
        (LeadFilter(), (), "leads_created_idx"),
        (LeadFilter(status=LeadStatus.PENDING), ("PENDING",), "leads_status_created_idx"),
        (LeadFilter(email_domain="engines.example"), ("engines.example",), "leads_email_domain_"),
    ],
    ids=["newest", "status", "email-domain"],
)
async def test_a_page_after_a_cursor_is_one_index_range_in_order(
    settings: LeadVerifierSettings, where: LeadFilter, args: tuple[str, ...], index: str
) -> None:
    statement = lead_queries.page(where, before=(AT, uuid.UUID(int=1)), limit=51)
    plan = await generic_plan(
        settings.asyncpg_dsn,
        settings.db_schema,
        statement,
        *args,
        AT.isoformat(),
        uuid.UUID(int=1),
        51,
    )
    assert index in plan, plan
    assert "ROW(created_at, id) < ROW(" in plan, "the cursor bounds the index range"
    assert "Sort" not in plan, "the index gives the order"
    assert "Seq Scan" not in plan, plan
