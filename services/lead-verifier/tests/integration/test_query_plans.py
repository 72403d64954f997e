"""A sign-up's look for a verified lead with its e-mail uses the partial unique index on
verified e-mails with a cached (generic) plan, not a scan of every lead there ever was."""

from __future__ import annotations

import pytest

from lead_verifier.adapters.leads import VERIFIED_WITH_EMAIL
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
