"""The oracle: whether anything was lost or done twice, read from the databases, the broker
and the mail sink directly, never from the services' own answers or bookkeeping."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import asyncpg

from chaos.expectations import expected_mail, expected_resources
from chaos.mail_check import check_mail
from chaos.target import OPS_EMAIL, Target
from chaos.workload import Run
from service_kit.settings import ServiceSettings
from service_kit.topology import queue_names

SCHEMAS = ("tenant_api", "lead_verifier", "provisioner", "webhook_receiver", "notifier")
STEP_EVENTS = {f"provisioning.step_{s}" for s in ("started", "succeeded", "failed", "compensated")}
# Which consumer (schema, name) must have each event in its inbox; tenant-api's timeline
# takes every event.
CONSUMERS: dict[tuple[str, str], set[str] | None] = {
    ("tenant_api", "lead-facts"): {"lead.verified"},
    ("tenant_api", "pipeline-steps"): STEP_EVENTS,
    ("tenant_api", "pipeline-outcomes"): {
        "provisioning.completed",
        "provisioning.failed",
        "provisioning.cancelled",
    },
    ("tenant_api", "invoices"): {"billing.invoice_issued"},
    ("tenant_api", "offboarding"): {"tenant.deprovisioned"},
    ("tenant_api", "timeline"): None,
    ("tenant_api", "api-keys"): {"tenant.api_key_issued", "tenant.api_key_revoked"},
    ("tenant_api", "database-credentials"): {"tenant.database_credentials_issued"},
    ("tenant_api", "identity-clients"): {
        "tenant.identity_client_registered",
        "tenant.identity_client_removed",
    },
    ("provisioner", "saga"): {
        "tenant.provisioning_requested",
        "webhook.received",
        "tenant.cancel_requested",
        "tenant.provisioning_timed_out",
        "tenant.offboarding_requested",
        "tenant.api_key_reissue_requested",
    },
    ("provisioner", "runs"): {"webhook.run_registered"},
    ("provisioner", "access"): {
        "tenant.suspended",
        "tenant.reactivated",
        "tenant.database_password_rotation_requested",
    },
    ("webhook_receiver", "runs"): {"webhook.run_opened", "webhook.run_finished"},
    ("notifier", "emails"): {
        "lead.created",
        "tenant.activated",
        "tenant.provisioning_failed",
        "tenant.offboarded",
    },
}


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    resent_mail: list[str] = field(default_factory=list)
    endings: dict[str, int] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected)


def _dsn(url: str) -> str:
    return url.replace("+asyncpg", "")


async def backlog(target: Target) -> dict[str, int]:
    """What is still moving: unpublished outbox rows, running pipelines, unsent e-mails,
    messages in any queue of the run."""
    found: dict[str, int] = {}
    conn = await asyncpg.connect(_dsn(target.infra.database_url))
    try:
        for schema in SCHEMAS:
            found[f"outbox {schema}"] = await conn.fetchval(
                f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL"  # noqa: S608
            )
        found["pipelines running"] = await conn.fetchval(
            "SELECT count(*) FROM provisioner.pipelines"
            " WHERE status IN ('RUNNING', 'WAITING', 'COMPENSATING')"
        )
        found["e-mails not sent"] = await conn.fetchval(
            "SELECT count(*) FROM notifier.notifications WHERE status <> 'SENT'"
        )
    finally:
        await conn.close()
    found.update(await queue_depths(target))
    return found


async def queue_depths(target: Target) -> dict[str, int]:
    """Messages ready in every main, retry and dead-letter queue, by a passive declare."""
    env = target.infra.env
    delays = list(target.retry_delays)
    names: set[str] = set()
    for schema, consumer in CONSUMERS:
        settings = ServiceSettings(
            service_name=schema.replace("_", "-"),
            queue_prefix=env["QUEUE_PREFIX"],
            retry_delays=delays,
        )
        q = queue_names(settings, consumer)
        names |= {q.main, q.dlq, *q.retries}
    depths: dict[str, int] = {}
    connection = await aio_pika.connect(target.infra.rabbitmq_url)
    async with connection:
        for name in sorted(names):
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                continue  # never declared (its consumer has not run here)
            depths[f"queue {name}"] = int(queue.declaration_result.message_count or 0)
            await channel.close()
    return depths


async def quiesce(target: Target, timeout: float) -> dict[str, int]:
    """Wait until nothing moves (twice in a row); what was still moving at `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    calm = 0
    while True:
        left = {k: v for k, v in (await backlog(target)).items() if v}
        calm = calm + 1 if not left else 0
        if calm >= 2 or asyncio.get_running_loop().time() > deadline:
            return left
        await asyncio.sleep(0.5)


async def judge(
    target: Target, runs: Sequence[Run], probes: Sequence[str], timeout: float
) -> Verdict:
    verdict = Verdict()
    left = await quiesce(target, timeout)
    verdict.unexpected += [f"{what}: {count} left" for what, count in sorted(left.items())]
    for run in runs:
        ending = run.status or "unknown"
        verdict.endings[ending] = verdict.endings.get(ending, 0) + 1
        if run.error:
            verdict.unexpected.append(f"tenant #{run.script.index}: {run.error}")
    conn = await asyncpg.connect(_dsn(target.infra.database_url))
    data = await asyncpg.connect(target.infra.tenant_data_dsn)
    try:
        for run in runs:
            if run.tenant_id is not None:
                await _tenant(verdict, conn, data, target, run)
        await _inboxes(verdict, conn)
        parked = await conn.fetchval(
            "SELECT count(*) FROM tenant_api.dead_letters WHERE resolved_at IS NULL"
        )
        if parked:
            verdict.unexpected.append(f"{parked} dead letters parked, waiting for an operator")
    finally:
        await conn.close()
        await data.close()
    mail = check_mail(expected_mail(runs, probes, OPS_EMAIL), target.mail.messages)
    verdict.lost += mail.lost
    verdict.duplicated += mail.duplicated
    verdict.unexpected += mail.unexpected
    verdict.resent_mail = mail.resent
    verdict.checked["e-mails"] = mail.counted
    return verdict


async def _tenant(verdict: Verdict, conn: Any, data: Any, target: Target, run: Run) -> None:
    assert run.tenant_id is not None
    assert run.key is not None
    tenant_id, name = uuid.UUID(run.tenant_id), target.infra.env["TENANT_ROLE_PREFIX"] + run.key
    label = f"tenant #{run.script.index} ({run.script.ending}, {run.script.tier})"
    status = await conn.fetchval("SELECT status FROM tenant_api.tenants WHERE id = $1", tenant_id)
    if status != run.script.ending:
        verdict.unexpected.append(f"{label}: status {status}")
    found = {
        "schema": await data.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = $1", name),
        "role": await data.fetchval("SELECT count(*) FROM pg_roles WHERE rolname = $1", name),
        "pooled row": await data.fetchval(
            "SELECT count(*) FROM pooled.tenants WHERE tenant_id = $1", tenant_id
        )
        if await data.fetchval("SELECT to_regclass('pooled.tenants') IS NOT NULL")
        else 0,
        "policy": await data.fetchval(
            "SELECT count(*) FROM pg_policies WHERE schemaname = 'pooled' AND policyname = $1",
            name,
        ),
        "live api key": await conn.fetchval(
            "SELECT count(*) FROM provisioner.api_keys WHERE tenant_id = $1 AND revoked_at IS NULL",
            tenant_id,
        ),
        "active subscription": await conn.fetchval(
            "SELECT count(*) FROM provisioner.subscriptions"
            " WHERE tenant_id = $1 AND status = 'ACTIVE'",
            tenant_id,
        ),
        "invoice": await conn.fetchval(
            "SELECT count(*) FROM tenant_api.invoices WHERE tenant_id = $1", tenant_id
        ),
        "pipeline": await conn.fetchval(
            "SELECT count(*) FROM provisioner.pipelines WHERE tenant_id = $1", tenant_id
        ),
    }
    for row in await conn.fetch(
        "SELECT kind, status, count(*) AS n FROM provisioner.resources WHERE tenant_id = $1"
        " AND kind <> 'webhook_run' AND status <> 'DELETED' GROUP BY kind, status",
        tenant_id,
    ):
        found[f"ledger {row['kind']} {row['status']}"] = row["n"]
    want = expected_resources(run.script)
    for what in sorted({*found, *want}):
        have, should = found.get(what, 0), want.get(what, 0)
        if what.endswith(" CREATING"):
            # Written before an effect whose outcome nobody recorded: in doubt, never resolved.
            verdict.unexpected.append(f"{label}: {what} x{have}: an effect left in doubt")
        elif have > should:
            verdict.duplicated.append(f"{label}: {what} x{have}, expected {should}")
        elif have < should:
            verdict.lost.append(f"{label}: {what} x{have}, expected {should}")
    verdict.checked["resources"] = verdict.checked.get("resources", 0) + len(found)


async def _inboxes(verdict: Verdict, conn: Any) -> None:
    """Every published event is in the inbox of each consumer it is for (once: the inbox's
    key is the event id and consumer)."""
    events: list[Any] = []
    for schema in SCHEMAS:
        events += await conn.fetch(f"SELECT id, routing_key FROM {schema}.outbox")  # noqa: S608
    parked = {
        r["event_id"]
        for r in await conn.fetch(
            "SELECT event_id FROM tenant_api.dead_letters WHERE resolved_at IS NULL"
        )
    }
    seen: set[tuple[str, str, uuid.UUID]] = set()
    for schema in {s for s, _ in CONSUMERS}:
        rows = await conn.fetch(f"SELECT event_id, consumer FROM {schema}.inbox")  # noqa: S608
        seen |= {(schema, r["consumer"], r["event_id"]) for r in rows}
    for event in events:
        for (schema, consumer), keys in CONSUMERS.items():
            if (keys is None or event["routing_key"] in keys) and (
                (schema, consumer, event["id"]) not in seen
            ):
                if event["id"] in parked:  # not lost: an operator replays it
                    verdict.unexpected.append(
                        f"{event['routing_key']} {event['id']} parked as a dead letter for"
                        f" {consumer}"
                    )
                    continue
                verdict.lost.append(
                    f"{event['routing_key']} {event['id']} not in {consumer}'s inbox"
                )
    verdict.checked["events"] = len(events)
    verdict.checked["inbox entries"] = len(seen)
