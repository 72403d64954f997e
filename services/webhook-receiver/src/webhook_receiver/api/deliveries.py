"""`GET /webhooks/deliveries`: every receipt with its outcome, for operators."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from service_kit import cursors
from service_kit.problems import problem_responses
from webhook_receiver.api.auth import StaffCaller
from webhook_receiver.api.schemas import DeliveryOut, DeliveryPage
from webhook_receiver.deps import RuntimeDep
from webhook_receiver.domain.receipts import Outcome

router = APIRouter(tags=["deliveries"])


@router.get(
    "/webhooks/deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(
        r401="Missing or invalid token",
        r403="Not admin or operator",
        r422="Invalid filter, limit or cursor",
    ),
)
async def list_deliveries(
    caller: StaffCaller,
    runtime: RuntimeDep,
    tenant_id: Annotated[UUID | None, Query(alias="tenantId")] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: cursors.After = None,
) -> DeliveryPage:
    """Stored webhook receipts, newest first, a page at a time (admin, operator)."""
    position = cursors.position(after)
    async with runtime.uow() as uow:
        recorded = await uow.deliveries.page(
            tenant_id=tenant_id, outcome=outcome, before=position, limit=limit + 1
        )
    fetched = [
        DeliveryOut.model_validate({**asdict(r.receipt), "outcome": r.outcome, "reason": r.reason})
        for r in recorded
    ]
    items, cursor = cursors.page(fetched, limit, lambda d: (d.received_at, d.id))
    return DeliveryPage(items=items, next_cursor=cursor)
