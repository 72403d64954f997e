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
from lead_verifier.domain.idempotency import key_digest
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
# A concurrent sign-up with the same key waits here for the first to commit (or roll back), so
# exactly one of them inserts; the other finds the lead below.
_INSERT_KEYED_LEAD = (
    insert(leads)
    .on_conflict_do_nothing(index_elements=[leads.c.idempotency_key])
    .returning(leads.c.id)
)
_LEAD_WITH_KEY = select(leads.c.id).where(leads.c.idempotency_key == bindparam("key"))
_INSERT_CODE = insert(verification_codes)


@dataclass(frozen=True)
class SignUp:
    first_name: str
    last_name: str
    company_name: str
    email: str
    address: Address | None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Verified:
    """The code was accepted now, or this is the request that used it, again."""

    lead_id: UUID
    at: datetime
    repeated: bool


async def sign_up(
    cmd: SignUp, uow: UnitOfWork, settings: LeadVerifierSettings, now: datetime
) -> UUID:
    """A new lead, whether or not the address already has an account.

    The answer must not tell the two apart, so both get a lead, a code and an event; only the
    e-mail differs: for an address with an account it says so and carries no code (this lead's
    code is never sent, so its id verifies like any other lead's with a wrong code).

    With an idempotency key, a sign-up that already ran under it answers its lead again, and
    nothing else happens: no second lead, code, event or e-mail.
    """
    email = normalise_email(cmd.email)
    account_exists = await uow.session.scalar(_VERIFIED_WITH_EMAIL, {"email": email}) is not None
    lead_id = uuid4()
    code = issue_code(now, timedelta(seconds=settings.lead_code_ttl))
    key = key_digest(cmd.idempotency_key)
    row = {
        "id": lead_id,
        "first_name": cmd.first_name,
        "last_name": cmd.last_name,
        "company_name": cmd.company_name,
        "email": email,
        "address": cmd.address.model_dump() if cmd.address else None,
        "status": LeadStatus.PENDING,
        "created_at": now,
        "idempotency_key": key,
    }
    if key is None:
        await uow.session.execute(_INSERT_LEAD, row)
    elif await uow.session.scalar(_INSERT_KEYED_LEAD, row) is None:
        existing = await uow.session.scalar(_LEAD_WITH_KEY, {"key": key})
        assert isinstance(existing, UUID)  # the conflict was with a committed row
        return existing
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
    lead_id: UUID,
    code: str,
    uow: UnitOfWork,
    settings: LeadVerifierSettings,
    now: datetime,
    idempotency_key: str | None = None,
) -> Verified | Rejection:
    """Accept the code (lead VERIFIED, `lead.verified` in the outbox) or say why not.

    The request that used the code, repeated under the same idempotency key while its token
    lives, answers as it did and changes nothing. A rejection still changes the attempt
    counter, so the caller commits either way.
    """
    key = key_digest(idempotency_key)
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
    state = CodeState(row.code_digest, row.expires_at, row.attempts, row.used_at, row.used_with_key)
    token_life = timedelta(seconds=settings.lead_token_ttl)
    if state.used_at is not None and state.repeats_use(code, key, now, token_life):
        return Verified(lead_id, at=state.used_at, repeated=True)
    rejection = state.check(code, now, settings.lead_max_attempts, key)
    await uow.session.execute(
        update(verification_codes)
        .where(verification_codes.c.lead_id == lead_id)
        .values(attempts=state.attempts, used_at=state.used_at, used_with_key=state.used_with_key)
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
    return Verified(lead_id, at=now, repeated=False)


async def _email_verified_elsewhere(uow: UnitOfWork, email: str, lead_id: UUID) -> bool:
    other = await uow.session.scalar(
        select(leads.c.id).where(
            leads.c.email == email,
            leads.c.status == constant(LeadStatus.VERIFIED),
            leads.c.id != lead_id,
        )
    )
    return other is not None
