"""Runs arrive as the provisioner's announcements, in any order, and outlive a Redis wipe."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from redis.asyncio import Redis

from service_kit.sealing import Keyring
from service_kit.topology import queue_names
from service_kit.webhooks import new_run
from service_kit_testing import SqlRunner, TestInfra, publish_raw, wait_for_queue_messages
from shared_schemas import Envelope
from shared_schemas.events import WebhookRunFinished, WebhookRunFinishedData, WebhookRunOpened
from webhook_receiver.settings import WebhookReceiverSettings

from ..conftest import arc_headers, callback_body, opened_data  # type: ignore[import-not-found]

RUN_UNKNOWN = "https://controlplane.dev/problems/webhook-run-unknown"


async def finished_flag(sql: SqlRunner, pipeline_id: uuid.UUID, *, has_secret: bool = True) -> Any:
    """The run's `finished`, once its row (with a secret, if asked) is there."""
    for _ in range(200):
        rows = await sql(
            "SELECT finished, secret IS NOT NULL AS sealed FROM webhook_receiver.webhook_runs"
            " WHERE pipeline_id = :p",
            p=pipeline_id,
        )
        if rows and (rows[0].sealed or not has_secret):
            return rows[0].finished
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {pipeline_id} never recorded")


async def announce(infra: TestInfra, event: Envelope) -> None:
    await publish_raw(infra, event.type, event.model_dump_json().encode())


def opened(settings: WebhookReceiverSettings, tenant_id: uuid.UUID, run: Any) -> WebhookRunOpened:
    return WebhookRunOpened.build(
        opened_data(settings, tenant_id, run),
        producer="provisioner",
        correlation_id=run.pipeline_id,
        tenant_id=tenant_id,
    )


def finished(tenant_id: uuid.UUID, run: Any) -> WebhookRunFinished:
    return WebhookRunFinished.build(
        WebhookRunFinishedData(
            tenant_id=tenant_id,
            pipeline_id=run.pipeline_id,
            expires_at=datetime.now(UTC) + timedelta(minutes=10),
        ),
        producer="provisioner",
        correlation_id=run.pipeline_id,
        tenant_id=tenant_id,
    )


async def test_an_announced_run_verifies_callbacks_after_a_redis_wipe(
    client: httpx.AsyncClient,
    infra: TestInfra,
    settings: WebhookReceiverSettings,
    redis: Redis,
    sql: SqlRunner,
) -> None:
    tenant_id, run = uuid.uuid4(), new_run(uuid.uuid4())
    body = callback_body(tenant_id)
    early = await client.post("/webhook", content=body, headers=arc_headers(run, body))
    # Not told of the run yet: a refusal the sender may retry, told apart from the final ones.
    assert early.status_code == 401, early.text
    assert early.json()["type"] == RUN_UNKNOWN
    assert int(early.headers["retry-after"]) >= 1

    opened_event = opened(settings, tenant_id, run)
    await announce(infra, opened_event)
    await announce(infra, opened_event)  # a redelivery changes nothing
    assert await finished_flag(sql, run.pipeline_id) is False
    # The secret is kept sealed at rest, never in plaintext.
    (row,) = await sql(
        "SELECT secret::text AS secret FROM webhook_receiver.webhook_runs WHERE pipeline_id = :p",
        p=run.pipeline_id,
    )
    assert run.secret not in row.secret
    # Wipe this test's Redis keys (its own prefix only): the run lives in PostgreSQL.
    async for key in redis.scan_iter(match=f"{settings.redis_key_prefix}*"):
        await redis.delete(key)

    answer = await client.post("/webhook", content=body, headers=arc_headers(run, body))
    assert answer.status_code == 202, answer.text


async def test_a_finish_before_its_opening_is_not_lost(
    client: httpx.AsyncClient, infra: TestInfra, settings: WebhookReceiverSettings, sql: SqlRunner
) -> None:
    tenant_id, run = uuid.uuid4(), new_run(uuid.uuid4())
    await announce(infra, finished(tenant_id, run))
    assert await finished_flag(sql, run.pipeline_id, has_secret=False) is True
    await announce(infra, opened(settings, tenant_id, run))
    assert await finished_flag(sql, run.pipeline_id) is True

    body = callback_body(tenant_id)
    answer = await client.post("/webhook", content=body, headers=arc_headers(run, body))
    assert answer.status_code == 401, answer.text
    assert answer.json()["type"] == "https://controlplane.dev/problems/unauthorized"
    (receipt,) = await sql(
        "SELECT reason FROM webhook_receiver.deliveries WHERE tenant_id = :t", t=tenant_id
    )
    assert receipt.reason == "run_finished"


async def test_a_run_no_key_opens_is_dead_lettered_with_the_reason(
    app: Any, infra: TestInfra, settings: WebhookReceiverSettings, sql: SqlRunner
) -> None:
    tenant_id, run = uuid.uuid4(), new_run(uuid.uuid4())
    stranger = Keyring.parse("k9:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=")
    event = opened(settings, tenant_id, run)
    event = event.model_copy(
        update={
            "data": event.data.model_copy(update={"secret": stranger.seal(run.secret, "anything")})
        }
    )
    await announce(infra, event)

    (dead,) = await wait_for_queue_messages(infra, queue_names(settings, "runs").dlq)
    assert dead.headers["x-reason"] == "sealed_value_unreadable"
    assert "k9" in dead.headers["x-error"]
    assert run.secret not in dead.headers["x-error"]
    assert (
        await sql(
            "SELECT 1 FROM webhook_receiver.webhook_runs WHERE pipeline_id = :p", p=run.pipeline_id
        )
        == []
    )


async def test_a_stored_run_is_announced_back_once(
    app: Any, event_tap: Any, infra: TestInfra, settings: WebhookReceiverSettings, sql: SqlRunner
) -> None:
    tap = await event_tap("webhook.run_registered")
    tenant_id, run = uuid.uuid4(), new_run(uuid.uuid4())
    opened_event = opened(settings, tenant_id, run)
    await announce(infra, opened_event)
    await announce(infra, opened_event)  # a redelivery: handled once, announced once

    mine = await tap.wait_for(
        "webhook.run_registered", where=lambda e: e.data.pipeline_id == run.pipeline_id
    )
    (registered,) = mine
    assert registered.data.tenant_id == tenant_id
    assert registered.causation_id == opened_event.id
    assert registered.producer == "webhook-receiver"
    # Published only once the run is stored: a callback sent on it is verified.
    assert await finished_flag(sql, run.pipeline_id) is False
    # The redelivery was deduplicated by the inbox: still one registration after a marker
    # announcement behind it has come through.
    marker = new_run(uuid.uuid4())
    await announce(infra, opened(settings, uuid.uuid4(), marker))
    await tap.wait_for(
        "webhook.run_registered", where=lambda e: e.data.pipeline_id == marker.pipeline_id
    )
    assert [e for e in tap.received if e.data.pipeline_id == run.pipeline_id] == [registered]
