"""`GET /leads*` for operators: the leads lead-verifier holds, read through its internal routes.

The gateway verifies the caller's token and role here; lead-verifier answers only the gateway
(INTERNAL_API_TOKEN). Its answers, a 404 or a 422 included, are passed on as they are.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from service_kit.problems import problem_responses
from shared_schemas.api.base import ApiModel
from shared_schemas.api.counts import CountOut
from shared_schemas.api.leads import LeadFilters, LeadListQuery, LeadOut, LeadPage
from tenant_api.auth import StaffCaller
from tenant_api.deps import DepsDep
from tenant_api.web.errors import AUTH

router = APIRouter(prefix="/leads", tags=["leads"])

_UPSTREAM = {
    "r502": "lead-verifier refused the gateway's credential (INTERNAL_API_TOKEN differs)",
    "r503": "lead-verifier is unavailable",
    "r504": "lead-verifier did not answer in time; a read is safe to retry",
}


@router.get(
    "",
    response_model=LeadPage,
    responses=problem_responses(**AUTH, r422="Invalid filter, limit or cursor", **_UPSTREAM),
)
async def list_leads(
    principal: StaffCaller,
    query: Annotated[LeadListQuery, Query()],
    request: Request,
    deps: DepsDep,
) -> Response:
    """Leads newest first, filtered, in cursor pages (admin, operator)."""
    return await deps.lead_verifier.read("/leads", request, _params(query))


@router.get(
    "/count",
    response_model=CountOut,
    responses=problem_responses(**AUTH, r422="Invalid filter", **_UPSTREAM),
)
async def count_leads(
    principal: StaffCaller,
    query: Annotated[LeadFilters, Query()],
    request: Request,
    deps: DepsDep,
) -> Response:
    """How many leads `GET /leads` lists with the same filters, every page (admin, operator)."""
    return await deps.lead_verifier.read("/leads/count", request, _params(query))


@router.get(
    "/{lead_id}",
    response_model=LeadOut,
    responses=problem_responses(**AUTH, r404="No such lead", r422="Invalid id", **_UPSTREAM),
)
async def get_lead(
    lead_id: UUID, principal: StaffCaller, request: Request, deps: DepsDep
) -> Response:
    """One lead: who signed up, when, and whether they verified (admin, operator)."""
    return await deps.lead_verifier.read(f"/leads/{lead_id}", request, {})


def _params(query: ApiModel) -> dict[str, Any]:
    """The validated query as lead-verifier reads it (the same model there)."""
    return query.model_dump(mode="json", by_alias=True, exclude_none=True)
