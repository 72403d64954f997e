"""The statuses the shared API model lets operators filter on are exactly a lead's statuses."""

from __future__ import annotations

from typing import get_args

from lead_verifier.domain.leads import LeadStatus
from shared_schemas.api.leads import LeadStatusName


def test_the_api_names_every_status_and_no_other() -> None:
    assert set(get_args(LeadStatusName)) == {status.value for status in LeadStatus}
