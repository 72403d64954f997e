"""`POST /webhooks/provisioning` (alias `POST /webhook`): third parties' signed callbacks."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from service_kit.body_limit import read_capped
from service_kit.problems import problem_responses
from webhook_receiver import intake
from webhook_receiver.api.callback_docs import CALLBACK_OPENAPI
from webhook_receiver.api.errors import (
    CallbackUnauthorized,
    ContentTooLarge,
    InvalidCallback,
    RunNotKnown,
)
from webhook_receiver.api.limits import SenderLimit
from webhook_receiver.api.schemas import WebhookAck
from webhook_receiver.deps import RuntimeDep
from webhook_receiver.domain.receipts import Outcome, Reason

# Seconds a sender is asked to wait for a run's announcement to arrive.
RUN_UNKNOWN_RETRY_AFTER = 2

router = APIRouter(tags=["webhooks"], dependencies=[SenderLimit])

_ANSWERS = {
    200: {"description": "Seen before: nothing changed", "model": WebhookAck},
    **problem_responses(
        r401="Unsigned, forged or expired (type `unauthorized`: final); or no run known for "
        "this tenant yet (type `webhook-run-unknown`, with `Retry-After`: send it again)",
        r413="Body larger than WEBHOOK_MAX_BYTES",
        r422="Body is not a provisioning callback",
        r429="Too many callbacks from this sender; see `Retry-After`",
        r503="The rate limiter (Redis) is unavailable; see `Retry-After`",
    ),
}


@router.post(
    "/webhooks/provisioning",
    status_code=202,
    response_model=WebhookAck,
    response_model_exclude_none=True,
    responses=_ANSWERS,
    openapi_extra=CALLBACK_OPENAPI,
)
@router.post(
    "/webhook",
    status_code=202,
    response_model=WebhookAck,
    response_model_exclude_none=True,
    responses=_ANSWERS,
    openapi_extra=CALLBACK_OPENAPI,
    summary="Receive Callback (alias of /webhooks/provisioning)",
)
async def receive_callback(request: Request, response: Response, runtime: RuntimeDep) -> WebhookAck:
    """A pipeline's signed result (ARC or Standard Webhooks), verified over the raw body."""
    settings = runtime.settings
    now = datetime.now(UTC)
    raw = await read_capped(request, settings.webhook_max_bytes)
    if raw.body is None:
        receipt = intake.new_receipt(request.headers, raw.size, now)
        await intake.refuse_too_large(runtime, receipt)
        raise ContentTooLarge(settings.webhook_max_bytes)
    decision = await intake.receive(runtime, request.headers, raw.body, now)
    if decision.outcome is Outcome.DUPLICATE:
        response.status_code = 200
        return WebhookAck(status="duplicate")
    if decision.outcome is Outcome.ACCEPTED:
        return WebhookAck(status="accepted", delivery_id=decision.delivery_id)
    if decision.reason is Reason.INVALID_BODY:
        raise InvalidCallback(decision.errors)
    if decision.reason is Reason.UNKNOWN_RUN:
        raise RunNotKnown(RUN_UNKNOWN_RETRY_AFTER)
    raise CallbackUnauthorized()
