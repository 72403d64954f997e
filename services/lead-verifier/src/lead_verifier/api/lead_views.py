"""Internal `GET /leads*`: operators' views of the leads, for the gateway only.

The gateway checks the operator's token and role, then calls these with INTERNAL_API_TOKEN;
without it they answer 401, whoever asks. What they show of a lead never includes its code, the
code's digest or anything else that could verify it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query

from lead_verifier.deps import RuntimeDep
from lead_verifier.domain.lead_filter import LeadFilter
from lead_verifier.domain.leads import Lead, LeadStatus
from service_kit import cursors
from service_kit.internal_calls import INTERNAL_CALLER_HEADER, check_internal_token
from service_kit.problems import problem_responses
from shared_schemas.api.counts import CountOut
from shared_schemas.api.leads import LeadFilters, LeadListQuery, LeadOut, LeadPage


async def internal_caller(
    runtime: RuntimeDep,
    token: Annotated[str | None, Header(alias=INTERNAL_CALLER_HEADER)] = None,
) -> None:
    check_internal_token(token, runtime.settings.internal_api_token)


router = APIRouter(prefix="/leads", tags=["leads"], dependencies=[Depends(internal_caller)])
_AUTH = {"r401": f"No or wrong `{INTERNAL_CALLER_HEADER}`: the gateway's only"}


@router.get(
    "",
    response_model=LeadPage,
    responses=problem_responses(**_AUTH, r422="Invalid filter, limit or cursor"),
)
async def list_leads(query: Annotated[LeadListQuery, Query()], runtime: RuntimeDep) -> LeadPage:
    """Leads newest first, filtered, in cursor pages."""
    position = cursors.position(query.after)
    async with runtime.uow() as uow:
        found = await uow.leads.page(_filter(query), before=position, limit=query.limit + 1)
    items, cursor = cursors.page(
        [lead_out(lead) for lead in found], query.limit, lambda lead: (lead.created_at, lead.id)
    )
    return LeadPage(items=items, next_cursor=cursor)


@router.get(
    "/count",
    response_model=CountOut,
    responses=problem_responses(**_AUTH, r422="Invalid filter"),
)
async def count_leads(query: Annotated[LeadFilters, Query()], runtime: RuntimeDep) -> CountOut:
    """How many leads `GET /leads` lists with the same filters, all pages together."""
    async with runtime.uow() as uow:
        return CountOut(count=await uow.leads.count(_filter(query)))


@router.get(
    "/{lead_id}",
    response_model=LeadOut,
    responses=problem_responses(**_AUTH, r404="No such lead", r422="Invalid lead id"),
)
async def get_lead(lead_id: UUID, runtime: RuntimeDep) -> LeadOut:
    """One lead."""
    async with runtime.uow() as uow:
        return lead_out(await uow.leads.get(lead_id))


def _filter(query: LeadFilters) -> LeadFilter:
    return LeadFilter(
        status=LeadStatus(query.status) if query.status else None,
        created_from=query.created_from,
        created_to=query.created_to,
        email_domain=query.email_domain,
    )


def lead_out(lead: Lead) -> LeadOut:
    """What operators see of a lead: the fields `LeadOut` names, and nothing else of it."""
    fields = asdict(lead)
    return LeadOut.model_validate(
        {
            **{name: fields[name] for name in LeadOut.model_fields},
            "address": lead.address.model_dump() if lead.address else None,
        }
    )
