"""`GET /plans`, `GET /plans/{id}`: the plan catalogue."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path

from service_kit.problems import NotFound, problem_responses
from tenant_api.auth import AnyCaller
from tenant_api.plans.models import PlanList, PlanOut
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(tags=["plans"])


@router.get(
    "/plans",
    response_model=PlanList,
    responses=problem_responses(r401="Missing or invalid token", r422="Invalid request"),
)
async def list_plans(principal: AnyCaller, runtime: RuntimeDep) -> PlanList:
    """The plans a tenant can be onboarded on (`planId`), cheapest first."""
    async with runtime.uow() as uow:
        found = await uow.plans.list_all()
    items = [PlanOut.model_validate(asdict(plan)) for plan in found]
    return PlanList(items=items, count=len(items))


@router.get(
    "/plans/{plan_id}",
    response_model=PlanOut,
    responses=problem_responses(
        r401="Missing or invalid token", r404="No such plan", r422="Invalid request"
    ),
)
async def get_plan(
    plan_id: Annotated[str, Path(max_length=100)], principal: AnyCaller, runtime: RuntimeDep
) -> PlanOut:
    """One plan of the catalogue."""
    async with runtime.uow() as uow:
        plan = await uow.plans.get(plan_id)
    if plan is None:
        raise NotFound(f"There is no plan {plan_id!r}; GET /plans lists them.")
    return PlanOut.model_validate(asdict(plan))
