"""The dead-letter parking lot: every service's DLQ drained into rows, replayed or discarded."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from service_kit.broker import Broker
from service_kit.consumer import Consumer, ConsumerRunner
from service_kit.db import UnitOfWork
from service_kit.settings import ServiceSettings
from service_kit.topology import dlq_name
from service_kit_testing import TestInfra, publish_raw, wait_for_queue_messages
from tenant_api.settings import TenantApiSettings

from ..conftest import lead_verified  # type: ignore[import-not-found]
from ..gateway import bearer, onboard, tokens  # type: ignore[import-not-found]
from ..saga import eventually  # type: ignore[import-not-found]


async def _boom(event: Any, uow: UnitOfWork) -> None:
    raise RuntimeError("the handler always fails")


@pytest.fixture
async def runners(app: FastAPI, infra: TestInfra) -> AsyncIterator[list[ConsumerRunner]]:
    """Consumers of two other services: one gets a poison message, one a failing handler."""
    started: list[ConsumerRunner] = []
    brokers: list[Broker] = []
    tag = uuid.uuid4().hex[:6]
    for service, name in (("lead-verifier", f"poison{tag}"), ("provisioner", f"failing{tag}")):
        broker = Broker(infra.settings(ServiceSettings, service_name=service))
        await broker.connect()
        brokers.append(broker)
        consumer = Consumer(name=name, bindings=[f"dlqtest.{name}"], fallback=_boom)
        runner = ConsumerRunner(consumer, broker, app.state.runtime.uow)
        await runner.start()
        started.append(runner)
    yield started
    for runner in started:
        await runner.stop()
    for broker in brokers:
        await broker.close()


async def _ready_count(infra: TestInfra, queue: str) -> int:
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


async def _find(client: httpx.AsyncClient, admin: dict[str, str], **params: str) -> Any:
    async def found() -> Any:
        answer = await client.get("/admin/dead-letters", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"][0] if answer.json()["items"] else None

    return await eventually(found, timeout=10, what=f"a dead letter {params}")


async def test_dead_letters_are_parked_replayed_and_discarded(
    client: httpx.AsyncClient,
    settings: TenantApiSettings,
    infra: TestInfra,
    runners: list[ConsumerRunner],
) -> None:
    token = tokens(settings)
    admin = bearer(token("admin"))
    operator = bearer(token("operator"))
    poison_runner, failing_runner = runners
    poison = b'{"not": "an envelope", "bytes": "\xc3\xa9"'
    await publish_raw(infra, f"dlqtest.{poison_runner.consumer.name}", poison)
    event = lead_verified(uuid.uuid4(), "dlq@engines.example")
    exhausted = event.model_dump_json().encode()
    await publish_raw(infra, f"dlqtest.{failing_runner.consumer.name}", exhausted)

    parked_poison = await _find(
        client, admin, service="lead-verifier", reason="malformed", status="PARKED"
    )
    assert parked_poison["originalQueue"] == poison_runner.names.main
    parked_failed = await _find(
        client, operator, service="provisioner", eventType="lead.verified", status="PARKED"
    )
    assert parked_failed["reason"] == "retries_exhausted"
    assert parked_failed["originalQueue"] == failing_runner.names.main
    assert parked_failed["eventId"] == str(event.id)
    assert "the handler always fails" in parked_failed["error"]

    # Nothing is left behind in the broker's DLQs once stored.
    for service in ("lead-verifier", "provisioner"):
        dlq = dlq_name(infra.settings(ServiceSettings, service_name=service))

        async def empty(queue: str = dlq) -> bool:
            return await _ready_count(infra, queue) == 0

        await eventually(empty, timeout=10, what=f"{dlq} drained")

    detail = (await client.get(f"/admin/dead-letters/{parked_failed['id']}", headers=admin)).json()
    assert detail["bodyText"] == exhausted.decode()
    assert detail["headers"]["x-service"] == "provisioner"
    assert detail["headers"]["x-attempt"] == 2

    # Role checks.
    listing = "/admin/dead-letters"
    tenant = bearer(token("tenant", tenant_id=uuid.uuid4()))
    assert (await client.get(listing, headers=tenant)).status_code == 403
    assert (await client.get(listing)).status_code == 401
    replay_url = f"{listing}/{parked_failed['id']}/replay"
    assert (await client.post(replay_url, headers=tenant)).status_code == 403

    # Stop the consumers: what is replayed must wait in the original queue to be compared.
    for runner in runners:
        await runner.stop()

    # A dry run lists what would be replayed and changes nothing.
    dry = await client.post(
        f"{listing}/replay",
        json={"service": "provisioner", "eventType": "lead.verified", "dryRun": True},
        headers=operator,
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["matched"] >= 1
    assert dry.json()["replayed"] == 0
    assert parked_failed["id"] in [i["id"] for i in dry.json()["items"]]
    assert await _ready_count(infra, failing_runner.names.main) == 0
    again = (await client.get(f"{listing}/{parked_failed['id']}", headers=admin)).json()
    assert again["status"] == "PARKED"
    assert again["actions"] == []

    # Replay: the exact bytes go back to the original queue, then it is REPLAYED.
    replayed = await client.post(replay_url, headers=operator)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "REPLAYED"
    assert replayed.json()["replayCount"] == 1
    assert replayed.json()["actions"][0]["action"] == "REPLAYED"
    (message,) = await wait_for_queue_messages(infra, failing_runner.names.main)
    assert message.body == exhausted
    assert message.headers["x-replayed-from"] == parked_failed["id"]
    assert "x-death" not in message.headers
    assert "x-attempt" not in message.headers
    assert (await client.post(replay_url, headers=operator)).status_code == 409

    # Discard needs a reason.
    discard_url = f"{listing}/{parked_poison['id']}/discard"
    assert (await client.post(discard_url, headers=admin)).status_code == 422
    assert (await client.post(discard_url, json={"reason": ""}, headers=admin)).status_code == 422
    discarded = await client.post(
        discard_url, json={"reason": "garbage from a test"}, headers=admin
    )
    assert discarded.status_code == 200, discarded.text
    assert discarded.json()["status"] == "DISCARDED"
    assert discarded.json()["discardedReason"] == "garbage from a test"
    assert discarded.json()["actions"][0]["reason"] == "garbage from a test"
    assert discarded.json()["actions"][0]["actor"].startswith("test:admin")
    poison_detail = (await client.get(f"{listing}/{parked_poison['id']}", headers=admin)).json()
    assert poison_detail["bodyBase64"]
    assert base64.b64decode(poison_detail["bodyBase64"]) == poison


async def test_a_message_put_in_a_dlq_is_parked_and_bulk_replayed_onto_the_timeline(
    client: httpx.AsyncClient, settings: TenantApiSettings, infra: TestInfra
) -> None:
    token = tokens(settings)
    admin = bearer(token("admin"))
    tenant = await onboard(client, token)
    original = f"{infra.env['QUEUE_PREFIX']}notifier.dlqtest{uuid.uuid4().hex[:6]}"
    body = (
        b'{"id": "%s", "type": "tenant.activated", "tenant_id": "%s", "data": {"x": "\\u00e9"}}'
        % (str(uuid.uuid4()).encode(), tenant["id"].encode())
    )
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.declare_queue(original, durable=True, arguments={"x-expires": 300_000})
        await channel.default_exchange.publish(
            aio_pika.Message(
                body,
                headers={
                    "x-reason": "unknown_version",
                    "x-error": "tenant.activated v9 is not known",
                    "x-service": "notifier",
                    "x-original-queue": original,
                    "x-original-routing-key": "tenant.activated",
                    "x-original-exchange": infra.env["EVENTS_EXCHANGE"],
                    "x-attempt": 1,
                },
            ),
            routing_key=dlq_name(infra.settings(ServiceSettings, service_name="notifier")),
        )
    parked = await _find(client, admin, tenantId=tenant["id"], status="PARKED")
    assert parked["service"] == "notifier"
    assert parked["reason"] == "unknown_version"
    assert parked["eventType"] == "tenant.activated"

    dry = await client.post(
        "/admin/dead-letters/replay",
        json={"tenantId": tenant["id"], "dryRun": True},
        headers=admin,
    )
    assert [i["id"] for i in dry.json()["items"]] == [parked["id"]]
    done = await client.post(
        "/admin/dead-letters/replay", json={"tenantId": tenant["id"]}, headers=admin
    )
    assert done.status_code == 200, done.text
    assert done.json()["replayed"] == 1
    assert done.json()["failed"] == 0
    (message,) = await wait_for_queue_messages(infra, original)
    assert message.body == body
    assert message.headers["x-replayed-from"] == parked["id"]
    assert "x-attempt" not in message.headers

    timeline = await client.get(f"/tenants/{tenant['id']}/events", headers=admin)
    (replayed,) = [e for e in timeline.json()["items"] if e["type"] == "dead_letter.replayed"]
    # Who replayed it is the entry's actor, as for every action on the timeline.
    assert replayed["actor"] == {"sub": replayed["data"]["actor"], "role": "admin"}
    listed = await client.get(
        "/admin/dead-letters", params={"tenantId": tenant["id"]}, headers=admin
    )
    assert [i["status"] for i in listed.json()["items"]] == ["REPLAYED"]
