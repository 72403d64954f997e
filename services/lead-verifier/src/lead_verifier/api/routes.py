"""Internal `/leads*` routes (clients reach them through the tenant-api gateway)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Header

from lead_verifier import handlers
from lead_verifier.adapters.tokens import onboarding_token
from lead_verifier.deps import RuntimeDep
from lead_verifier.domain.codes import Rejection
from lead_verifier.domain.idempotency import HEADER, MAX_LENGTH
from service_kit.problems import Unauthorized, problem_responses
from service_kit.tokens import bearer_credential
from shared_schemas.api.leads import LeadCreatedOut, SignUpIn, VerifiedOut
from shared_schemas.events import Address

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/leads", tags=["leads"])

# The gateway forwards the client's key, scoped to the caller, route and request, so a retry of
# a request whose answer was lost finds what the first attempt did instead of doing it again.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        max_length=MAX_LENGTH,
        description="A retry under the same key answers as the first attempt did.",
    ),
]

_SIGN_UP_PROBLEMS = problem_responses(r422="Invalid body")
_VERIFY_PROBLEMS = problem_responses(
    r401="Missing, wrong, expired, used or locked code",
    r409="The e-mail address was verified by another sign-up",
    r422="Invalid lead id",
)


@router.post("", status_code=201, response_model=LeadCreatedOut, responses=_SIGN_UP_PROBLEMS)
async def sign_up(
    body: SignUpIn, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> LeadCreatedOut:
    """Sign up; the verification link travels only by e-mail.

    The answer is the same whether or not the address already has an account: only the e-mail
    tells its owner (a sign-in hint instead of a link).
    """
    cmd = handlers.SignUp(
        first_name=body.first_name,
        last_name=body.last_name,
        company_name=body.company_name,
        email=str(body.email),
        address=Address.model_validate(body.address.model_dump()) if body.address else None,
        idempotency_key=idempotency_key,
    )
    async with runtime.uow() as uow:
        lead_id = await handlers.sign_up(cmd, uow, runtime.deps, datetime.now(UTC))
        await uow.commit()
    log.info("lead signed up", lead_id=str(lead_id))
    return LeadCreatedOut(id=lead_id)


@router.post("/{lead_id}/verify", response_model=VerifiedOut, responses=_VERIFY_PROBLEMS)
async def verify(
    lead_id: UUID,
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: IdempotencyKey = None,
) -> VerifiedOut:
    """Exchange the e-mailed code (`Authorization: Bearer <code>`) for an onboarding token."""
    code = _bearer(authorization)
    now = datetime.now(UTC)
    async with runtime.uow() as uow:
        outcome = await handlers.verify(lead_id, code, uow, runtime.deps, now, idempotency_key)
        await uow.commit()
    if isinstance(outcome, Rejection):
        log.info("verification rejected", lead_id=str(lead_id), reason=outcome.value)
        raise Unauthorized("The verification code is invalid, expired or already used.")
    log.info("lead verified", lead_id=str(lead_id), repeated=outcome.repeated)
    # Minted at the moment of verification, so a repeat gets the very same token, no longer-lived.
    return VerifiedOut(id=lead_id, token=onboarding_token(lead_id, outcome.at, runtime.settings))


def _bearer(authorization: str | None) -> str:
    code = bearer_credential(authorization)
    if code is None or len(code) > 200:
        raise Unauthorized("Send the code from the e-mail as `Authorization: Bearer <code>`.")
    return code
