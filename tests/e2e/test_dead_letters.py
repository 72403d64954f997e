"""Dead letters against the five running services, worked the way an operator works them.

A poison message in one service and a message that exhausts its retries in another are parked
within seconds; `tenantctl dlq` then replays the second once its cause is gone (the saga
completes) and discards the first with a recorded reason. SMTP going down parks a welcome
e-mail, and a replay after it is back delivers it exactly once.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest

from service_kit.settings import ServiceSettings
from service_kit.topology import QueueNames, dlq_name, queue_names
from service_kit_testing import SmtpSink, TestInfra, publish_raw

from .conftest import Stack, admin_client
from .polling import eventually
from .saga_client import new_tenant, provision, set_fault, settle

pytestmark = pytest.mark.e2e
POISON = b'{"type": "tenant.activated", "data": '  # cut short: not JSON


@pytest.fixture(scope="module")
async def gateway(stack: Stack, infra: TestInfra) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(stack, infra) as client:
        yield client


def names(stack: Stack, infra: TestInfra, service: str) -> ServiceSettings:
    """A service's kit settings as the stack runs it, for the topology helpers."""
    settings: ServiceSettings = infra.settings(
        ServiceSettings,
        service_name=service,
        queue_prefix=stack.env["QUEUE_PREFIX"],
        events_exchange=stack.env["EVENTS_EXCHANGE"],
        retry_delays=stack.env["RETRY_DELAYS"],
    )
    return settings


async def dead_letter(gateway: httpx.AsyncClient, **filters: str) -> dict[str, Any] | None:
    answer = await gateway.get("/admin/dead-letters", params=filters)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    assert len(items) <= 1, items
    return items[0] if items else None


async def detail(gateway: httpx.AsyncClient, dead_letter_id: str) -> dict[str, Any]:
    answer = await gateway.get(f"/admin/dead-letters/{dead_letter_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def ready_count(infra: TestInfra, queue: str) -> int:
    """Messages waiting in `queue` (a passive declare: nothing is created or taken)."""
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


async def all_empty(infra: TestInfra, queues: list[str]) -> bool:
    return all([await ready_count(infra, q) == 0 for q in queues])


async def provisioner_value(stack: Stack, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(stack.database_url.replace("+asyncpg", ""))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def timeline(gateway: httpx.AsyncClient, tenant_id: str) -> list[dict[str, Any]]:
    answer = await gateway.get(f"/tenants/{tenant_id}/events", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def ok(stack: Stack, *args: str) -> str:
    done = await stack.tenantctl(*args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def rows_of(table: str, first_cell: str) -> list[list[str]]:
    return [line.split() for line in table.splitlines() if line.startswith(first_cell)]


@dataclass(frozen=True)
class Parked:
    """What acceptance A left in the parking lot for the rest of the module."""

    poison: dict[str, Any]
    poison_tenant: dict[str, Any]
    poison_correlation: str
    exhausted: dict[str, Any]
    exhausted_tenant: dict[str, Any]
    pipeline_id: str
    emails: QueueNames
    saga: QueueNames
    dlqs: list[str]
    seconds: float


@pytest.fixture(scope="module")
async def parked(stack: Stack, infra: TestInfra, gateway: httpx.AsyncClient) -> Parked:
    notifier, provisioner = names(stack, infra, "notifier"), names(stack, infra, "provisioner")
    emails, saga = queue_names(notifier, "emails"), queue_names(provisioner, "saga")
    poison_tenant = await new_tenant(gateway, "pooled")
    exhausted_tenant = await new_tenant(gateway, "pooled")
    await set_fault(infra, exhausted_tenant["key"], "handler-error")
    correlation = str(uuid.uuid4())

    started = time.monotonic()
    await publish_raw(
        infra,
        emails.main,
        POISON,
        headers={"x-tenant-id": poison_tenant["id"], "x-correlation-id": correlation},
        exchange="",
    )
    pipeline_id = await provision(gateway, exhausted_tenant["id"])

    async def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
        poison = await dead_letter(gateway, tenantId=poison_tenant["id"])
        exhausted = await dead_letter(gateway, tenantId=exhausted_tenant["id"])
        return (poison, exhausted) if poison and exhausted else None

    poison, exhausted = await eventually(both, what="both dead letters parked")
    seconds = time.monotonic() - started
    print(f"\npoison and exhausted-retry message parked {seconds:.2f}s after being sent")
    return Parked(
        poison=poison,
        poison_tenant=poison_tenant,
        poison_correlation=correlation,
        exhausted=exhausted,
        exhausted_tenant=exhausted_tenant,
        pipeline_id=pipeline_id,
        emails=emails,
        saga=saga,
        dlqs=[dlq_name(notifier), dlq_name(provisioner)],
        seconds=seconds,
    )


async def test_a_poison_message_and_exhausted_retries_are_parked_with_their_story(
    parked: Parked, gateway: httpx.AsyncClient, stack: Stack, infra: TestInfra
) -> None:
    poison = await detail(gateway, parked.poison["id"])
    assert poison["service"] == "notifier"
    assert poison["reason"] == "malformed"
    assert poison["status"] == "PARKED"
    assert poison["queue"] == parked.dlqs[0]
    assert poison["originalQueue"] == parked.emails.main
    assert poison["originalRoutingKey"] == parked.emails.main  # sent straight to the queue
    assert poison["originalExchange"] is None
    assert poison["headers"]["x-original-exchange"] == ""
    assert poison["tenantId"] == parked.poison_tenant["id"]
    assert poison["correlationId"] == parked.poison_correlation
    assert poison["eventType"] is None
    assert "Invalid JSON" in poison["error"]
    assert poison["deathHistory"] == [], "dead-lettered at once, never through a retry tier"
    assert poison["bodyText"] == POISON.decode()

    exhausted = await detail(gateway, parked.exhausted["id"])
    assert exhausted["service"] == "provisioner"
    assert exhausted["reason"] == "retries_exhausted"
    assert exhausted["status"] == "PARKED"
    assert exhausted["queue"] == parked.dlqs[1]
    assert exhausted["originalQueue"] == parked.saga.main
    assert exhausted["originalExchange"] == stack.env["EVENTS_EXCHANGE"]
    assert exhausted["originalRoutingKey"] == "tenant.provisioning_requested"
    assert exhausted["eventType"] == "tenant.provisioning_requested"
    assert exhausted["tenantId"] == parked.exhausted_tenant["id"]
    assert exhausted["correlationId"] == parked.pipeline_id
    assert exhausted["eventId"] == exhausted["messageId"]
    assert "InjectedOutage" in exhausted["error"]
    assert "database is unreachable" in exhausted["error"]
    assert exhausted["headers"]["x-attempt"] == len(parked.saga.retries)
    deaths = exhausted["deathHistory"]
    assert sorted(d["queue"] for d in deaths) == sorted(parked.saga.retries)
    assert {d["reason"] for d in deaths} == {"expired"}
    assert [d["time"] for d in deaths] == sorted((d["time"] for d in deaths), reverse=True)

    # The broker keeps nothing: the DLQs are drained, no copy is stuck in a queue or tier.
    queues = [*parked.dlqs, parked.emails.main, *parked.emails.retries]
    queues += [parked.saga.main, *parked.saga.retries]

    async def drained() -> bool:
        return await all_empty(infra, queues)

    await eventually(drained, what=f"{queues} empty", timeout=10)


async def test_tenantctl_replays_the_fixed_message_and_discards_the_poison(
    parked: Parked,
    gateway: httpx.AsyncClient,
    stack: Stack,
    infra: TestInfra,
    smtp_sink: SmtpSink,
) -> None:
    tenant_id, exhausted_id = parked.exhausted_tenant["id"], parked.exhausted["id"]
    await set_fault(infra, parked.exhausted_tenant["key"], None)  # the cause is fixed

    listed = await ok(stack, "dlq", "ls", "--service", "provisioner", "--tenant-id", tenant_id)
    header, *_ = listed.splitlines()
    assert header.split() == [
        "ID",
        "SERVICE",
        "EVENT",
        "REASON",
        "STATUS",
        "STORED",
        "TENANT",
        "ORIGINAL",
        "QUEUE",
    ]
    (row,) = rows_of(listed, exhausted_id)
    assert row[1:5] == [
        "provisioner",
        "tenant.provisioning_requested",
        "retries_exhausted",
        "PARKED",
    ]
    assert row[6:] == [tenant_id, parked.saga.main]
    assert listed.splitlines()[-1] == "1 dead letter(s)"
    as_json = json.loads(
        await ok(stack, "dlq", "ls", "--tenant-id", tenant_id, "--status", "PARKED", "--json")
    )
    assert [d["id"] for d in as_json["items"]] == [exhausted_id]
    assert as_json["items"][0]["correlationId"] == parked.pipeline_id

    shown = await ok(stack, "dlq", "show", exhausted_id)
    lines = shown.splitlines()
    labelled = lines[: next(i for i, line in enumerate(lines) if line.startswith("death "))]
    fields = dict(line.split(None, 1) for line in labelled)
    assert fields["reason"] == "retries_exhausted"
    assert fields["originalQueue"] == parked.saga.main
    assert fields["correlationId"] == parked.pipeline_id
    assert sum(line.startswith("death ") for line in shown.splitlines()) == 2
    assert json.loads(await ok(stack, "dlq", "show", exhausted_id, "--json"))["id"] == exhausted_id

    # A dry run lists exactly that message and changes nothing.
    filters = ["--service", "provisioner", "--tenant-id", tenant_id]
    dry = await ok(stack, "dlq", "replay", *filters, "--dry-run")
    assert [line.split()[0] for line in dry.splitlines()[1:-1]] == [exhausted_id]
    assert dry.splitlines()[-1] == "dry run: 1 dead letter(s) would be replayed"
    await asyncio.sleep(1.5)  # long enough for a replayed request to start a pipeline
    untouched = await detail(gateway, exhausted_id)
    assert (untouched["status"], untouched["replayCount"], untouched["actions"]) == (
        "PARKED",
        0,
        [],
    )
    assert (await gateway.get(f"/tenants/{tenant_id}")).json()["status"] == "PROVISIONING"
    assert (await gateway.get(f"/tenants/{tenant_id}/pipeline")).json()["steps"] == []
    sql = "SELECT count(*) FROM provisioner.pipelines WHERE tenant_id = $1"
    assert await provisioner_value(stack, sql, uuid.UUID(tenant_id)) == 0
    assert await ready_count(infra, parked.saga.main) == 0

    # The sweeper times a pipeline out after PIPELINE_STALE_AFTER without progress; the
    # provisioner, which never saw the request, ignores that. Let that happen first, so that it
    # cannot stop the pipeline the replay starts.
    await _provisioner_saw_the_time_out(gateway, stack, tenant_id)

    replayed = await ok(stack, "dlq", "replay", *filters)
    assert replayed.strip().split("\r")[-1] == "replayed 1/1, failed 0"
    active = await settle(gateway, tenant_id, timeout=40)
    assert active["status"] == "ACTIVE"
    welcome = await smtp_sink.wait_for(parked.exhausted_tenant["contacts"][0]["email"])
    assert parked.exhausted_tenant["name"] in welcome.get_body(("plain",)).get_content()

    done = json.loads(await ok(stack, "dlq", "show", exhausted_id, "--json"))
    assert (done["status"], done["replayCount"], done["actedBy"]) == ("REPLAYED", 1, "tenantctl")
    assert done["replayedAt"] is not None
    (action,) = done["actions"]
    assert (action["action"], action["actor"], action["reason"]) == ("REPLAYED", "tenantctl", None)
    again = await stack.tenantctl("dlq", "replay", exhausted_id)
    assert again.returncode == 1
    assert again.stderr.strip() == (
        "tenantctl: 409: This dead letter is REPLAYED; only PARKED ones are replayed."
    )
    assert (await stack.tenantctl("dlq", "replay", exhausted_id, "--dry-run")).returncode == 1
    replay_entries = [
        e for e in await timeline(gateway, tenant_id) if e["type"] == "dead_letter.replayed"
    ]
    assert [e["data"]["deadLetterId"] for e in replay_entries] == [exhausted_id]

    # Discarding needs a reason; a blank one is no reason.
    poison_id = parked.poison["id"]
    no_reason = await stack.tenantctl("dlq", "discard", poison_id)
    assert no_reason.returncode == 2
    assert "--reason" in no_reason.stderr
    blank = await stack.tenantctl("dlq", "discard", poison_id, "--reason", "  ")
    assert blank.returncode == 1
    assert blank.stderr.strip() == "tenantctl: 422: reason: String should have at least 1 character"
    assert (await detail(gateway, poison_id))["status"] == "PARKED"

    why = "garbage published by the e2e test"
    discarded = await ok(stack, "dlq", "discard", poison_id, "--reason", why)
    assert discarded.strip() == f"discarded {poison_id}: {why}"
    gone = await detail(gateway, poison_id)
    assert (gone["status"], gone["discardedReason"], gone["actedBy"]) == (
        "DISCARDED",
        why,
        "tenantctl",
    )
    (action,) = gone["actions"]
    assert (action["action"], action["actor"], action["reason"]) == ("DISCARDED", "tenantctl", why)
    assert action["at"]
    (entry,) = [
        e
        for e in await timeline(gateway, parked.poison_tenant["id"])
        if e["type"].startswith("dead_letter.")
    ]
    assert entry["type"] == "dead_letter.discarded"
    assert entry["producer"] == "tenant-api"
    assert entry["summary"] == "dead letter discarded: unknown event"
    assert entry["data"] == {
        "deadLetterId": poison_id,
        "service": "notifier",
        "eventId": None,
        "eventType": None,
        "actor": "tenantctl",
        "reason": why,
    }
    refused = await stack.tenantctl("dlq", "discard", poison_id, "--reason", why)
    assert refused.returncode == 1
    assert "only PARKED ones are discarded" in refused.stderr


async def _provisioner_saw_the_time_out(
    gateway: httpx.AsyncClient, stack: Stack, tenant_id: str
) -> None:
    async def timed_out() -> str | None:
        for entry in await timeline(gateway, tenant_id):
            if entry["type"] == "tenant.provisioning_timed_out":
                return str(entry["id"])
        return None

    event_id = await eventually(timed_out, what="the sweeper's time-out", timeout=30)
    sql = "SELECT count(*) FROM provisioner.inbox WHERE event_id = $1"

    async def handled() -> bool:
        return bool(await provisioner_value(stack, sql, uuid.UUID(event_id)))

    await eventually(handled, what="the provisioner handled the time-out")


async def test_smtp_down_parks_the_welcome_mail_and_a_replay_delivers_it_once(
    gateway: httpx.AsyncClient, stack: Stack, smtp_sink: SmtpSink
) -> None:
    tenant = await new_tenant(gateway, "pooled")
    email = tenant["contacts"][0]["email"]
    with smtp_sink.down():
        await provision(gateway, tenant["id"])
        assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"

        async def parked_mail() -> dict[str, Any] | None:
            return await dead_letter(gateway, service="notifier", tenantId=tenant["id"])

        parked = await eventually(parked_mail, what="the welcome e-mail parked")
        assert parked["reason"] == "retries_exhausted"
        assert parked["eventType"] == "tenant.activated"
        assert str(smtp_sink.port) in parked["error"]
        mailbox = (await gateway.get(stack.url("notifier") + "/dev/mailbox")).json()
        (failed,) = [m for m in mailbox if m["recipient"] == email]
        assert failed["status"] == "FAILED"
        assert failed["attempts"] == 1 + len(stack.env["RETRY_DELAYS"].split(","))
        metrics = (await gateway.get(stack.url("notifier") + "/metrics")).text
        assert _sample(metrics, "retried") >= 2
        assert _sample(metrics, "dead_lettered") >= 1
        assert smtp_sink.to(email) == []
    assert smtp_sink.running

    replayed = await ok(
        stack, "dlq", "replay", "--service", "notifier", "--tenant-id", tenant["id"]
    )
    assert replayed.strip().split("\r")[-1] == "replayed 1/1, failed 0"
    welcome = await smtp_sink.wait_for(email)
    assert tenant["name"] in welcome.get_body(("plain",)).get_content()

    async def sent() -> bool:
        mailbox = (await gateway.get(stack.url("notifier") + "/dev/mailbox")).json()
        return [m["status"] for m in mailbox if m["recipient"] == email] == ["SENT"]

    await eventually(sent, what="the notification recorded as SENT")
    await asyncio.sleep(1.5)  # room for a second copy, if one were coming
    assert len(smtp_sink.to(email)) == 1
    assert (await detail(gateway, parked["id"]))["status"] == "REPLAYED"
    assert await dead_letter(gateway, tenantId=tenant["id"], status="PARKED") is None


def _sample(metrics: str, outcome: str) -> float:
    """events_consumed_total of the welcome e-mails with `outcome`."""
    wanted = ('consumer="emails"', f'outcome="{outcome}"', 'type="tenant.activated"')
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("events_consumed_total{") and all(w in line for w in wanted)
    )
