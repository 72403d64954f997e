"""Receipts are pruned by the service's retention job once past WEBHOOK_RECEIPT_RETENTION_DAYS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from service_kit.retention import PRUNED
from service_kit_testing import SqlRunner, TestInfra, started
from webhook_receiver.app import create_app
from webhook_receiver.settings import WebhookReceiverSettings

_ADD = (
    "INSERT INTO webhook_receiver.deliveries (id, received_at, scheme, delivery_key, tenant_id,"
    " outcome, reason, size) VALUES (:id, now() - make_interval(days => :age), 'arc', :key,"
    " :tenant, :outcome, :reason, 10)"
)


@pytest.fixture
def settings(infra: TestInfra) -> WebhookReceiverSettings:
    # Rounds close together, so the test waits on the job it would otherwise wait minutes for.
    return infra.settings(
        WebhookReceiverSettings, webhook_receipt_retention_days=30, retention_interval=0.1
    )


@pytest.fixture
async def app(settings: WebhookReceiverSettings, migrated: None) -> AsyncIterator[FastAPI]:
    async with started(create_app(settings)) as application:
        yield application


async def add(sql: SqlRunner, *, age_days: float, outcome: str = "accepted") -> uuid.UUID:
    receipt_id = uuid.uuid4()
    await sql(
        _ADD,
        id=receipt_id,
        age=age_days,
        key=uuid.uuid4().hex,
        tenant=uuid.uuid4(),
        outcome=outcome,
        reason="bad_signature" if outcome == "rejected" else None,
    )
    return receipt_id


async def test_old_receipts_go_recent_ones_stay(app: FastAPI, sql: SqlRunner) -> None:
    before = PRUNED.labels("deliveries")._value.get()
    old_accepted = await add(sql, age_days=31)
    old_rejected = await add(sql, age_days=45, outcome="rejected")
    recent = await add(sql, age_days=29)
    ours = [old_accepted, old_rejected, recent]

    async def remaining() -> set[uuid.UUID]:
        rows = await sql(
            "SELECT id FROM webhook_receiver.deliveries WHERE id = ANY(:ids)", ids=ours
        )
        return {row.id for row in rows}

    deadline = asyncio.get_running_loop().time() + 10
    while await remaining() != {recent}:
        assert asyncio.get_running_loop().time() < deadline, await remaining()
        await asyncio.sleep(0.05)
    assert await remaining() == {recent}
    assert PRUNED.labels("deliveries")._value.get() - before >= 2


def test_receipts_must_outlast_the_nonces() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_RECEIPT_RETENTION_DAYS"):
        WebhookReceiverSettings(webhook_receipt_retention_days=1, webhook_nonce_ttl=86400)
    assert WebhookReceiverSettings().webhook_receipt_retention_days * 86400 > 86400
