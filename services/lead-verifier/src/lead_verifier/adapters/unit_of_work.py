"""lead-verifier's unit of work: the kit's transaction with its leads and their codes."""

from __future__ import annotations

from typing import Self

from lead_verifier.adapters.codes import VerificationCodes
from lead_verifier.adapters.leads import Leads
from service_kit.db import UnitOfWork


class LeadsUnitOfWork(UnitOfWork):
    leads: Leads
    codes: VerificationCodes

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.leads = Leads(self.session)
        self.codes = VerificationCodes(self.session)
        return self
