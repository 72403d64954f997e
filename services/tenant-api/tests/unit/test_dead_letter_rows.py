"""Rows of the dead-letter parking lot built from raw DLQ messages (headers the broker wrote)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

from tenant_api.dead_letters.parking import json_safe, parked_row
from tenant_api.domain.dead_letters import replay_headers


def test_a_broker_dead_lettered_message_keeps_its_death_history_as_json() -> None:
    tenant_id = uuid.uuid4()
    body = json.dumps({"id": str(uuid.uuid4()), "type": "x.y", "tenant_id": str(tenant_id)})
    death = {
        "queue": "provisioner.steps",
        "reason": "delivery_limit",
        "exchange": "controlplane.events",
        "routing-keys": [b"x.y"],
        "time": datetime(2026, 1, 1, tzinfo=UTC),
        "count": 1,
    }
    row = parked_row(
        queue="provisioner.dlq",
        body=body.encode(),
        headers={"x-death": [death], "blob": b"\xff\x00"},
        message_id=None,
    )
    assert row["service"] == "provisioner"
    assert row["reason"] == "delivery_limit"
    assert row["original_queue"] == "provisioner.steps"
    assert row["original_routing_key"] == "x.y"
    assert row["tenant_id"] == tenant_id
    assert row["headers"]["x-death"][0]["time"] == "2026-01-01T00:00:00+00:00"
    assert row["headers"]["blob"] == {"base64": "/wA="}
    json.dumps(row["headers"])


def test_the_same_message_gets_the_same_key_and_bytes_that_are_not_text_have_no_text() -> None:
    first = parked_row(queue="q.dlq", body=b"\xff\xfe", headers={"a": 1}, message_id="m")
    again = parked_row(queue="q.dlq", body=b"\xff\xfe", headers={"a": 1}, message_id="m")
    assert first["dedupe_key"] == again["dedupe_key"]
    assert first["body_text"] is None
    assert first["reason"] == "unknown"
    assert json_safe({"n": None, "t": (1, "x\x00y")}) == {"n": None, "t": [1, "xy"]}


def test_a_malformed_body_is_attributed_by_the_outbox_headers() -> None:
    tenant_id, correlation_id, event_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    row = parked_row(
        queue="notifier.dlq",
        body=b"not json",
        headers={
            "x-reason": "malformed",
            "x-tenant-id": str(tenant_id),
            "x-correlation-id": str(correlation_id),
            "x-event-id": str(event_id),
        },
        message_id=None,
    )
    assert (row["tenant_id"], row["correlation_id"], row["event_id"]) == (
        tenant_id,
        correlation_id,
        event_id,
    )
    assert row["event_type"] is None
    body_wins = parked_row(
        queue="notifier.dlq",
        body=json.dumps({"tenant_id": str(tenant_id)}).encode(),
        headers={"x-tenant-id": "not a uuid"},
        message_id=None,
    )
    assert body_wins["tenant_id"] == tenant_id


def test_a_replay_keeps_the_trace_context_the_message_was_dead_lettered_with() -> None:
    parked = SimpleNamespace(
        id=uuid.uuid4(),
        headers={
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "tracestate": "vendor=abc",
            "x-event-id": "e1",
            "x-attempt": 2,
            "x-death": [{"queue": "q"}],
        },
    )
    headers = replay_headers(parked)  # type: ignore[arg-type]
    assert headers == {
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "tracestate": "vendor=abc",
        "x-event-id": "e1",
        "x-replayed-from": str(parked.id),
    }
