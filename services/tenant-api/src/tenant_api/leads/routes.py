"""Public `/leads*`: sign-up and verification are forwarded to lead-verifier; onboarding is here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response

from service_kit.problems import Conflict, Forbidden, problem_responses
from shared_schemas.api.leads import LeadCreatedOut, SignUpIn, VerifiedOut
from shared_schemas.events import Address, Contact
from tenant_api.auth import LeadCaller
from tenant_api.deps import DepsDep
from tenant_api.domain.onboarding import check_contact_domain
from tenant_api.idempotency.forwarding import upstream_key_of
from tenant_api.leads.facts import wait_for_lead_facts
from tenant_api.tenants import onboarding
from tenant_api.tenants.models import OnboardFromLeadIn, TenantOut, tenant_out
from tenant_api.tenants.repository import commit_new_tenant
from tenant_api.web.limits import PublicLimit
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/leads", tags=["leads"])
# Sign-up and verify need no token: rate-limited per client IP instead (429, or 503 without Redis).
public = APIRouter(prefix="/leads", tags=["leads"], dependencies=[PublicLimit])

TOO_MANY = "Too many attempts from this address; see `Retry-After`"
UPSTREAM_LATE = "lead-verifier did not answer in time; retry with the same `Idempotency-Key`"


@public.post(
    "",
    status_code=201,
    response_model=LeadCreatedOut,
    responses=problem_responses(
        r422="Invalid body",
        r429=TOO_MANY,
        r503="lead-verifier (or the rate limiter) is unavailable; nothing was done",
        r504=UPSTREAM_LATE,
    ),
)
async def sign_up(body: SignUpIn, request: Request, deps: DepsDep) -> Response:
    """Sign up as a prospective customer; a verification link is e-mailed."""
    payload = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    key = upstream_key_of(request)
    return await deps.lead_verifier.forward("/leads", request, json=payload, idempotency_key=key)


@public.post(
    "/{lead_id}/verify",
    response_model=VerifiedOut,
    responses=problem_responses(
        r401="Missing, wrong, expired, used or locked code",
        r409="The e-mail address was verified by another sign-up",
        r422="Invalid lead id",
        r429=TOO_MANY,
        r503="lead-verifier is unavailable; nothing was done",
        r504=UPSTREAM_LATE,
    ),
)
async def verify(
    lead_id: UUID,
    request: Request,
    deps: DepsDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer <code from the e-mail>`")
    ] = None,
) -> Response:
    """Exchange the e-mailed code for a short-lived onboarding token."""
    return await deps.lead_verifier.forward(
        f"/leads/{lead_id}/verify",
        request,
        authorization=authorization or "",
        idempotency_key=upstream_key_of(request),
    )


@router.post(
    "/{lead_id}/tenants",
    status_code=201,
    response_model=TenantOut,
    responses=problem_responses(
        r401="Missing or invalid onboarding token",
        r403="The token belongs to another lead",
        r409="Key taken, lead already onboarded, or verification still in flight",
        r422="Invalid body, unknown plan, or the contact's domain is not among `domains`",
    ),
)
async def onboard_from_lead(
    lead_id: UUID,
    body: OnboardFromLeadIn,
    principal: LeadCaller,
    runtime: RuntimeDep,
) -> TenantOut:
    """Create the verified lead's tenant (PENDING_PROVISION) with the lead as primary contact."""
    if principal.lead_id != lead_id:
        raise Forbidden("This onboarding token belongs to another lead.")
    async with runtime.uow() as uow:
        facts = await wait_for_lead_facts(uow, lead_id, within=runtime.settings.lead_facts_wait)
        if facts is None:
            raise Conflict(
                "The lead's verification is still being processed; retry in a moment.",
                headers={"Retry-After": "1"},
            )
        check_contact_domain(facts.email, body.domains, field="domains")
        cmd = onboarding.Onboard(
            key=body.key,
            name=body.name or facts.company_name,
            tier=body.tier,
            plan_id=body.plan_id,
            domains=body.domains,
            contact=Contact(
                first_name=facts.first_name, last_name=facts.last_name, email=facts.email
            ),
            address=Address.model_validate(facts.address) if facts.address else None,
            lead_id=lead_id,
            actor=principal.actor,
        )
        tenant_id = await onboarding.onboard(cmd, uow, datetime.now(UTC))
        await commit_new_tenant(uow)
        view = await uow.tenants.get(tenant_id)
    assert view is not None, "just committed"
    return tenant_out(view)
