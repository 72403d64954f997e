"""The verification codes table: a lead's code and the lead it belongs to."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from lead_verifier.adapters.leads import lead_from_row
from lead_verifier.adapters.orm import leads, verification_codes
from lead_verifier.domain.codes import CodeState, IssuedCode
from lead_verifier.domain.leads import Lead
from service_kit.repository import Repository

_INSERT_CODE = insert(verification_codes)


class VerificationCodes(Repository):
    async def add(self, lead_id: UUID, code: IssuedCode) -> None:
        await self._session.execute(
            _INSERT_CODE,
            {"lead_id": lead_id, "code_digest": code.digest, "expires_at": code.expires_at},
        )

    async def lock(self, lead_id: UUID) -> tuple[Lead, CodeState] | None:
        """The lead and its code, the code locked until the transaction ends (one verification
        at a time per code); None for a lead with no code."""
        row = (
            await self._session.execute(
                select(verification_codes, leads)
                .join(leads, leads.c.id == verification_codes.c.lead_id)
                .where(verification_codes.c.lead_id == lead_id)
                .with_for_update(of=verification_codes)
            )
        ).first()
        if row is None:
            return None
        state = CodeState(
            row.code_digest, row.expires_at, row.attempts, row.used_at, row.used_with_key
        )
        return lead_from_row(row), state

    async def save(self, lead_id: UUID, state: CodeState) -> None:
        await self._session.execute(
            update(verification_codes)
            .where(verification_codes.c.lead_id == lead_id)
            .values(
                attempts=state.attempts, used_at=state.used_at, used_with_key=state.used_with_key
            )
        )
