"""Signed callbacks through the real ASGI app, PostgreSQL, Redis and RabbitMQ."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service_kit.webhooks import WebhookRun, new_run
from service_kit_testing import SqlRunner, chunked

from ..conftest import OpenRun, arc_headers, callback_body, standard_headers  # type: ignore[import-not-found]


async def receipt(sql: SqlRunner, request_id: str) -> Any:
    rows = await sql(
        "SELECT * FROM webhook_receiver.deliveries WHERE headers->>'x-request-id' = :r",
        r=request_id,
    )
    assert len(rows) == 1, rows
    return rows[0]


async def outbox_events(sql: SqlRunner, tenant_id: uuid.UUID) -> int:
    rows = await sql(
        "SELECT count(*) AS n FROM webhook_receiver.outbox WHERE headers->>'x-tenant-id' = :t",
        t=str(tenant_id),
    )
    return int(rows[0].n)


def traced(headers: dict[str, str]) -> tuple[dict[str, str], str]:
    request_id = f"test-{uuid.uuid4().hex}"
    return {**headers, "x-request-id": request_id}, request_id


@pytest.mark.parametrize("path", ["/webhooks/provisioning", "/webhook"])
async def test_valid_arc_callback_is_accepted_and_published(
    client: httpx.AsyncClient, event_tap: Any, open_run: OpenRun, sql: SqlRunner, path: str
) -> None:
    tap = await event_tap("webhook.received")
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers, request_id = traced(arc_headers(run, body))

    response = await client.post(path, content=body, headers=headers)

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "accepted"
    delivery_id = uuid.UUID(answer["deliveryId"])
    events = await tap.wait_for("webhook.received")
    (event,) = [e for e in events if e.data.delivery_id == delivery_id]
    assert event.producer == "webhook-receiver"
    assert event.tenant_id == tenant_id
    assert event.correlation_id == run.pipeline_id
    assert event.data.tenant_id == tenant_id
    assert event.data.pipeline_id == run.pipeline_id
    assert event.data.scheme == "arc"
    assert event.data.succeeded is True
    assert event.data.resources == [{"kind": "vpc", "id": "vpc-1"}]
    assert event.data.app_plane_url == "https://acme.app.example"
    row = await receipt(sql, request_id)
    assert (row.id, row.outcome, row.reason, row.scheme) == (delivery_id, "accepted", None, "arc")
    assert (row.tenant_id, row.pipeline_id, row.size) == (tenant_id, run.pipeline_id, len(body))
    assert "x-signature" not in row.headers
    assert row.headers["x-timestamp"] == headers["x-timestamp"]


async def test_valid_standard_callback_is_accepted_and_published(
    client: httpx.AsyncClient, event_tap: Any, open_run: OpenRun, sql: SqlRunner
) -> None:
    tap = await event_tap("webhook.received")
    tenant_id, run = await open_run()
    body = callback_body(tenant_id, status=0)
    headers, request_id = traced(standard_headers(run, body))

    response = await client.post("/webhooks/provisioning", content=body, headers=headers)

    assert response.status_code == 202, response.text
    delivery_id = uuid.UUID(response.json()["deliveryId"])
    events = await tap.wait_for("webhook.received")
    (event,) = [e for e in events if e.data.delivery_id == delivery_id]
    assert (event.data.scheme, event.data.succeeded) == ("standard", False)
    assert (event.tenant_id, event.correlation_id) == (tenant_id, run.pipeline_id)
    row = await receipt(sql, request_id)
    assert (row.outcome, row.delivery_key) == ("accepted", headers["webhook-id"])
    assert "webhook-signature" not in row.headers


async def test_standard_with_a_rotated_signature_is_accepted(
    client: httpx.AsyncClient, open_run: OpenRun
) -> None:
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers = standard_headers(run, body)
    old = standard_headers(new_run(run.pipeline_id), body, message_id=headers["webhook-id"])
    headers["webhook-signature"] = f"{old['webhook-signature']} {headers['webhook-signature']}"

    response = await client.post("/webhooks/provisioning", content=body, headers=headers)

    assert response.status_code == 202, response.text


def _tampered(run: WebhookRun, tenant_id: uuid.UUID, body: bytes) -> tuple[dict[str, str], bytes]:
    headers = arc_headers(run, body)
    return headers, body.replace(b'"status": 1', b'"status": 0')


def _wrong_secret(
    run: WebhookRun, tenant_id: uuid.UUID, body: bytes
) -> tuple[dict[str, str], bytes]:
    return standard_headers(new_run(run.pipeline_id), body), body


def _old(run: WebhookRun, tenant_id: uuid.UUID, body: bytes) -> tuple[dict[str, str], bytes]:
    return arc_headers(run, body, skew=-301), body


def _future(run: WebhookRun, tenant_id: uuid.UUID, body: bytes) -> tuple[dict[str, str], bytes]:
    # Standard Webhooks stamps whole seconds: +301 truncated can land 300.x s ahead, inside the
    # window. Two seconds past the edge is beyond it whatever the truncation.
    return standard_headers(run, body, skew=302), body


def _missing(run: WebhookRun, tenant_id: uuid.UUID, body: bytes) -> tuple[dict[str, str], bytes]:
    headers = standard_headers(run, body)
    del headers["webhook-signature"]
    return headers, body


def _unsigned(run: WebhookRun, tenant_id: uuid.UUID, body: bytes) -> tuple[dict[str, str], bytes]:
    return {"content-type": "application/json"}, body


def _bad_stamp(run: WebhookRun, tenant_id: uuid.UUID, body: bytes) -> tuple[dict[str, str], bytes]:
    return {**arc_headers(run, body), "x-timestamp": "yesterday"}, body


Forgery = Callable[[WebhookRun, uuid.UUID, bytes], tuple[dict[str, str], bytes]]


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (_tampered, "bad_signature"),
        (_wrong_secret, "bad_signature"),
        (_old, "stale_timestamp"),
        (_future, "future_timestamp"),
        (_missing, "missing_headers"),
        (_unsigned, "missing_headers"),
        (_bad_stamp, "invalid_headers"),
    ],
)
async def test_forged_or_expired_callbacks_get_401_and_change_nothing(
    client: httpx.AsyncClient, open_run: OpenRun, sql: SqlRunner, forge: Forgery, reason: str
) -> None:
    tenant_id, run = await open_run()
    headers, body = forge(run, tenant_id, callback_body(tenant_id))
    headers, request_id = traced(headers)

    response = await client.post("/webhooks/provisioning", content=body, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"] == "The callback's signature, timestamp or run could not be verified."
    row = await receipt(sql, request_id)
    assert (row.outcome, row.reason) == ("rejected", reason)
    assert await outbox_events(sql, tenant_id) == 0


async def test_unknown_tenant_gets_401(client: httpx.AsyncClient, sql: SqlRunner) -> None:
    tenant_id = uuid.uuid4()  # no run stored for it
    body = callback_body(tenant_id)
    headers, request_id = traced(arc_headers(new_run(uuid.uuid4()), body))

    response = await client.post("/webhooks/provisioning", content=body, headers=headers)

    assert response.status_code == 401
    row = await receipt(sql, request_id)
    assert (row.outcome, row.reason, row.tenant_id) == ("rejected", "unknown_run", tenant_id)
    assert await outbox_events(sql, tenant_id) == 0


async def test_a_non_ascii_signature_is_a_bad_signature_not_a_crash(
    client: httpx.AsyncClient, open_run: OpenRun, sql: SqlRunner
) -> None:
    tenant_id, run = await open_run()
    body = callback_body(tenant_id)
    headers, request_id = traced(arc_headers(run, body))
    raw_headers = {k: v.encode() for k, v in headers.items()}
    raw_headers["x-signature"] = "é".encode("latin-1") * 64

    response = await client.post("/webhooks/provisioning", content=body, headers=raw_headers)

    assert response.status_code == 401
    assert (await receipt(sql, request_id)).reason == "bad_signature"


@pytest.mark.parametrize("declared", [True, False])
async def test_oversized_body_gets_413_and_is_recorded(
    client: httpx.AsyncClient,
    open_run: OpenRun,
    sql: SqlRunner,
    declared: bool,
) -> None:
    tenant_id, run = await open_run()
    payload = json.loads(callback_body(tenant_id))
    payload["data"]["resources"] = [{"pad": "x" * 1000} for _ in range(70)]
    body = json.dumps(payload).encode()
    assert len(body) > 65536
    headers, request_id = traced(arc_headers(run, body))
    content: Any = body if declared else chunked(body, 4096)  # a stream: no Content-Length

    response = await client.post("/webhooks/provisioning", content=content, headers=headers)

    assert response.status_code == 413, response.text
    assert response.json()["type"].endswith("/too-large")
    row = await receipt(sql, request_id)
    assert (row.outcome, row.reason, row.body_sha256) == ("rejected", "too_large", None)
    assert row.size > 65536
    assert await outbox_events(sql, tenant_id) == 0


@pytest.mark.parametrize(
    "body",
    [b'{"initiatorId": "not json', b'{"initiatorId": "x", "type": 0, "data": {"status": 7}}'],
)
async def test_invalid_body_with_a_valid_signature_gets_422(
    client: httpx.AsyncClient, open_run: OpenRun, sql: SqlRunner, body: bytes
) -> None:
    _, run = await open_run()
    headers, request_id = traced(arc_headers(run, body))

    response = await client.post("/webhooks/provisioning", content=body, headers=headers)

    assert response.status_code == 422, response.text
    assert response.json()["errors"]
    row = await receipt(sql, request_id)
    assert (row.outcome, row.reason) == ("rejected", "invalid_body")
