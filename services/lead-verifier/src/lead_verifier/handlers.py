"""lead-verifier's use cases: sign up, verify. They never commit; the caller does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID, uuid4

from lead_verifier.adapters.unit_of_work import LeadsUnitOfWork
from lead_verifier.deps import LeadVerifierDeps
from lead_verifier.domain.codes import Rejection, issue_code
from lead_verifier.domain.errors import EmailAlreadyVerified
from lead_verifier.domain.idempotency import key_digest
from lead_verifier.domain.leads import Lead, LeadStatus, normalise_email
from shared_schemas.events import Address, verification_link_binding


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


async def sign_up(cmd: SignUp, uow: LeadsUnitOfWork, deps: LeadVerifierDeps, now: datetime) -> UUID:
    """A new lead, whether or not the address already has an account.

    The answer must not tell the two apart, so both get a lead, a code and an event; only the
    e-mail differs: for an address with an account it says so and carries no code (this lead's
    code is never sent, so its id verifies like any other lead's with a wrong code).

    With an idempotency key, a sign-up that already ran under it answers its lead again, and
    nothing else happens: no second lead, code, event or e-mail.
    """
    settings = deps.settings
    email = normalise_email(cmd.email)
    account_exists = await uow.leads.verified_with_email(email)
    lead = Lead(
        id=uuid4(),
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        company_name=cmd.company_name,
        email=email,
        address=cmd.address,
        status=LeadStatus.PENDING,
        created_at=now,
    )
    code = issue_code(now, timedelta(seconds=settings.lead_code_ttl))
    stored = await uow.leads.add(lead, key_digest(cmd.idempotency_key))
    if stored != lead.id:
        return stored
    await uow.codes.add(lead.id, code)
    if account_exists:
        link, expires_at = None, None
    else:
        # Sealed: outboxes, inboxes and dead letters keep the event; the live code they must not.
        url = (
            f"{settings.app_validate_url}?{urlencode({'id': str(lead.id), 'code': code.plaintext})}"
        )
        link = deps.links.seal(url, verification_link_binding(lead.id))
        expires_at = code.expires_at
    await uow.outbox.add(
        lead.created(account_exists=account_exists, link=link, code_expires_at=expires_at)
    )
    return lead.id


async def verify(
    lead_id: UUID,
    code: str,
    uow: LeadsUnitOfWork,
    deps: LeadVerifierDeps,
    now: datetime,
    idempotency_key: str | None = None,
) -> Verified | Rejection:
    """Accept the code (lead VERIFIED, `lead.verified` in the outbox) or say why not.

    The request that used the code, repeated under the same idempotency key while its token
    lives, answers as it did and changes nothing. A rejection still changes the attempt
    counter, so the caller commits either way. `EmailAlreadyVerified` if another lead with
    the address is verified.
    """
    settings = deps.settings
    key = key_digest(idempotency_key)
    found = await uow.codes.lock(lead_id)
    if found is None:
        return Rejection.MISMATCH
    lead, state = found
    token_life = timedelta(seconds=settings.lead_token_ttl)
    if state.used_at is not None and state.repeats_use(code, key, now, token_life):
        return Verified(lead_id, at=state.used_at, repeated=True)
    state, rejection = state.check(code, now, settings.lead_max_attempts, key)
    await uow.codes.save(lead_id, state)
    if rejection is not None:
        return rejection
    if await uow.leads.verified_elsewhere(lead):
        raise EmailAlreadyVerified(
            "This e-mail address has already been verified by another sign-up."
        )
    lead, event = lead.verify(now)
    await uow.leads.save_verified(lead)
    await uow.outbox.add(event)
    return Verified(lead_id, at=now, repeated=False)
