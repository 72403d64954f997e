"""lead-verifier's use cases: sign up, verify. They never commit; the caller does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID, uuid4

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert

from lead_verifier.adapters.orm import leads, verification_codes
from lead_verifier.domain.codes import CodeState, Rejection, issue_code
from lead_verifier.domain.leads import LeadStatus, normalise_email
from lead_verifier.settings import LeadVerifierSettings
from service_kit.db import UnitOfWork, constant
from service_kit.problems import Conflict
from shared_schemas.events import (
    Address,
    LeadCreated,
    LeadCreatedData,
    LeadVerified,
    LeadVerifiedData,
    verification_link_binding,
)

PRODUCER = "lead-verifier"

# Built once: building a statement per sign-up cost more than running it from the cache. The
# status is a constant, so that a cached plan uses the partial unique index on verified e-mails.
_VERIFIED_WITH_EMAIL = select(leads.c.id).where(
    leads.c.email == bindparam("email"), leads.c.status == constant(LeadStatus.VERIFIED)
)
_INSERT_LEAD = insert(leads)
_INSERT_CODE = insert(verification_codes)


@dataclass(frozen=True)
class SignUp:
    first_name: str
    last_name: str
    company_name: str
    email: str
    address: Address | None


async def sign_up(
    cmd: SignUp, uow: UnitOfWork, settings: LeadVerifierSettings, now: datetime
) -> UUID:
    """A new lead, whether or not the address already has an account.

    The answer must not tell the two apart, so both get a lead, a code and an event; only the
    e-mail differs: for an address with an account it says so and carries no code (this lead's
    code is never sent, so its id verifies like any other lead's with a wrong code).
    """
    email = normalise_email(cmd.email)
    account_exists = await uow.session.scalar(_VERIFIED_WITH_EMAIL, {"email": email}) is not None
    lead_id = uuid4()
    code = issue_code(now, timedelta(seconds=settings.lead_code_ttl))
    await uow.session.execute(
        _INSERT_LEAD,
        {
            "id": lead_id,
            "first_name": cmd.first_name,
            "last_name": cmd.last_name,
            "company_name": cmd.company_name,
            "email": email,
            "address": cmd.address.model_dump() if cmd.address else None,
            "status": LeadStatus.PENDING,
            "created_at": now,
        },
    )
    await uow.session.execute(
        _INSERT_CODE,
        {"lead_id": lead_id, "code_digest": code.digest, "expires_at": code.expires_at},
    )
    if account_exists:
        link, expires_at = None, None
    else:
        # Sealed: outboxes, inboxes and dead letters keep the event; the live code they must not.
        url = (
            f"{settings.app_validate_url}?{urlencode({'id': str(lead_id), 'code': code.plaintext})}"
        )
        link = settings.link_keyring().seal(url, verification_link_binding(lead_id))
        expires_at = code.expires_at
    await uow.outbox.add(
        LeadCreated.build(
            LeadCreatedData(
                lead_id=lead_id,
                first_name=cmd.first_name,
                last_name=cmd.last_name,
                company_name=cmd.company_name,
                email=email,
                account_exists=account_exists,
                verification_link=link,
                code_expires_at=expires_at,
            ),
            producer=PRODUCER,
            correlation_id=lead_id,
            occurred_at=now,
        )
    )
    return lead_id


async def verify(
    lead_id: UUID, code: str, uow: UnitOfWork, settings: LeadVerifierSettings, now: datetime
) -> Rejection | None:
    """Accept the code (lead VERIFIED, `lead.verified` in the outbox) or say why not.

    A rejection still changes the attempt counter, so the caller commits either way.
    """
    row = (
        await uow.session.execute(
            select(verification_codes, leads)
            .join(leads, leads.c.id == verification_codes.c.lead_id)
            .where(verification_codes.c.lead_id == lead_id)
            .with_for_update(of=verification_codes)  # one verify at a time per code
        )
    ).first()
    if row is None:
        return Rejection.MISMATCH
    state = CodeState(row.code_digest, row.expires_at, row.attempts, row.used_at)
    rejection = state.check(code, now, settings.lead_max_attempts)
    await uow.session.execute(
        update(verification_codes)
        .where(verification_codes.c.lead_id == lead_id)
        .values(attempts=state.attempts, used_at=state.used_at)
    )
    if rejection is not None:
        return rejection
    if await _email_verified_elsewhere(uow, row.email, lead_id):
        raise Conflict("This e-mail address has already been verified by another sign-up.")
    await uow.session.execute(
        update(leads)
        .where(leads.c.id == lead_id)
        .values(status=LeadStatus.VERIFIED, verified_at=now)
    )
    await uow.outbox.add(
        LeadVerified.build(
            LeadVerifiedData(
                lead_id=lead_id,
                first_name=row.first_name,
                last_name=row.last_name,
                company_name=row.company_name,
                email=row.email,
                address=Address.model_validate(row.address) if row.address else None,
                verified_at=now,
            ),
            producer=PRODUCER,
            correlation_id=lead_id,
            occurred_at=now,
        )
    )
    return None


async def _email_verified_elsewhere(uow: UnitOfWork, email: str, lead_id: UUID) -> bool:
    other = await uow.session.scalar(
        select(leads.c.id).where(
            leads.c.email == email,
            leads.c.status == constant(LeadStatus.VERIFIED),
            leads.c.id != lead_id,
        )
    )
    return other is not None
