"""One delivery, start to finish: check it, store its receipt, accept it at most once.

Checks run in a fixed order: headers, timestamp, body, the tenant's announced runs, the one
whose secret signed it, that run still waiting. A rejection is recorded in its own transaction;
an accepted receipt and its event commit together. No provisioning work happens here: the
provisioner reacts to `webhook.received`.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import structlog
from pydantic import ValidationError

from service_kit.webhooks import WebhookRun
from shared_schemas.api.webhooks import ProvisioningCallback
from webhook_receiver import handlers, metrics
from webhook_receiver.adapters import nonces
from webhook_receiver.deps import Runtime
from webhook_receiver.domain.freshness import check_freshness
from webhook_receiver.domain.receipts import Outcome, Reason, Receipt, headers_subset
from webhook_receiver.domain.signatures import signing_run
from webhook_receiver.domain.signed_request import detect_scheme, read_signed_request

MAX_REPORTED_ERRORS = 20
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Decision:
    """What became of a delivery; the HTTP layer turns it into an answer."""

    outcome: Outcome
    delivery_id: UUID
    reason: Reason | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


def new_receipt(headers: Mapping[str, str], size: int, now: datetime) -> Receipt:
    return Receipt(
        id=uuid4(),
        received_at=now,
        scheme=detect_scheme(headers),
        size=size,
        headers=headers_subset(headers),
    )


async def refuse_too_large(runtime: Runtime, receipt: Receipt) -> Decision:
    return await _reject(runtime, receipt, Reason.TOO_LARGE)


async def receive(
    runtime: Runtime, headers: Mapping[str, str], body: bytes, now: datetime
) -> Decision:
    settings = runtime.settings
    receipt = replace(
        new_receipt(headers, len(body), now), body_sha256=hashlib.sha256(body).hexdigest()
    )
    signed = read_signed_request(headers)
    if isinstance(signed, Reason):
        return await _reject(runtime, receipt, signed)
    receipt = replace(receipt, delivery_key=signed.delivery_key)
    stale = check_freshness(signed.sent_at_ms, now, settings.webhook_tolerance_seconds)
    if stale is not None:
        return await _reject(runtime, receipt, stale)
    try:
        callback = ProvisioningCallback.model_validate_json(body)
    except ValidationError as exc:
        return await _reject(runtime, receipt, Reason.INVALID_BODY, _field_errors(exc))
    receipt = replace(receipt, tenant_id=callback.initiator_id)
    candidates = await _announced_runs(runtime, callback.initiator_id, now)
    if not candidates:
        return await _reject(runtime, receipt, Reason.UNKNOWN_RUN)
    run = signing_run(signed, body, candidates)
    if run is None:
        # Signed for none of them: the receipt names the newest, the one most likely meant.
        receipt = replace(receipt, pipeline_id=candidates[0].pipeline_id)
        return await _reject(runtime, receipt, Reason.BAD_SIGNATURE)
    receipt = replace(receipt, pipeline_id=run.pipeline_id)
    if run.finished:
        return await _refuse_unless_seen(runtime, receipt)
    return await _accept_once(runtime, receipt, callback, run)


async def _announced_runs(runtime: Runtime, tenant_id: UUID, now: datetime) -> list[WebhookRun]:
    async with runtime.uow() as uow:
        return await uow.runs.announced(runtime.deps.run_keys, tenant_id, now)


async def _refuse_unless_seen(runtime: Runtime, receipt: Receipt) -> Decision:
    """A finished run accepts nothing new; a delivery it accepted before is still a duplicate."""
    async with runtime.uow() as uow:
        seen = await handlers.record_if_seen(uow, receipt)
        await uow.commit()
    if not seen:
        return await _reject(runtime, receipt, Reason.RUN_FINISHED)
    _count(receipt, Outcome.DUPLICATE, None)
    log.info("webhook duplicate", delivery_id=str(receipt.id), scheme=receipt.scheme.value)
    return Decision(Outcome.DUPLICATE, receipt.id)


async def _accept_once(
    runtime: Runtime,
    receipt: Receipt,
    callback: ProvisioningCallback,
    run: WebhookRun,
) -> Decision:
    """Redis answers "seen before?" first (SET NX); PostgreSQL's unique index has the last word."""
    assert receipt.delivery_key is not None
    settings, redis = runtime.settings, runtime.redis
    key = nonces.nonce_key(settings.redis_key_prefix, callback.initiator_id, receipt.delivery_key)
    claimed = await nonces.claim(redis, key, receipt.id, settings.webhook_nonce_ttl)
    try:
        async with runtime.uow() as uow:
            outcome = await handlers.record_verified(
                uow, receipt, callback, run, maybe_seen=not claimed
            )
            await uow.commit()
    except Exception:
        if claimed:  # unrecorded: the sender's retry must not count as a duplicate
            with contextlib.suppress(Exception):
                await nonces.release(redis, key)
        raise
    _count(receipt, outcome, None)
    log.info(
        "webhook " + outcome.value,
        delivery_id=str(receipt.id),
        tenant_id=str(callback.initiator_id),
        correlation_id=str(run.pipeline_id),
        scheme=receipt.scheme.value,
    )
    return Decision(outcome, receipt.id)


async def _reject(
    runtime: Runtime,
    receipt: Receipt,
    reason: Reason,
    errors: list[dict[str, Any]] | None = None,
) -> Decision:
    async with runtime.uow() as uow:
        await handlers.record_rejection(uow, receipt, reason)
        await uow.commit()
    _count(receipt, Outcome.REJECTED, reason)
    log.info(
        "webhook rejected",
        delivery_id=str(receipt.id),
        reason=reason.value,
        scheme=receipt.scheme.value,
        claimed_tenant_id=str(receipt.tenant_id) if receipt.tenant_id else None,
    )
    return Decision(Outcome.REJECTED, receipt.id, reason, errors or [])


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False)[:MAX_REPORTED_ERRORS]
    ]


def _count(receipt: Receipt, outcome: Outcome, reason: Reason | None) -> None:
    metrics.DELIVERIES.labels(
        receipt.scheme.value, outcome.value, reason.value if reason else ""
    ).inc()
