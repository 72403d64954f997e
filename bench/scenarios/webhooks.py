"""Scenario 3, webhook ingest: signed provisioning callbacks to webhook-receiver, each one
verified, stored and turned into a `webhook.received` event.

A delivery is only verified if the tenant it names has a run in webhook-receiver's
`webhook_runs` table (announced by the provisioner's `webhook.run_opened` before it triggers a
pipeline). The scenario records such runs itself for made-up tenants and pipelines, their
secrets sealed under the development WEBHOOK_RUN_KEYS the stack runs with, then pre-signs every
delivery (alternating Standard Webhooks and ARC, each with its own delivery id or signature,
so none is a duplicate). The provisioner receives the events and ignores them (no pipeline of
theirs is waiting); tenant-api adds them to the tenants' timelines.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg

from bench.http_raw import render
from bench.scenarios.base import Context, Scenario
from bench.scenarios.http_load import run_http_scenario
from service_kit.sealing import Keyring
from service_kit.settings import DEV_WEBHOOK_RUN_KEY
from service_kit.webhooks import WebhookRun, new_run, sign_arc, sign_standard
from shared_schemas.events import webhook_run_secret_binding

PER_SECOND_BUDGET = 4000  # distinct deliveries signed per second of the run
MAX_DISTINCT = 200_000
MAX_DURATION = 240.0  # timestamps are signed before the run: stay inside the 300 s window
PATH = "/webhooks/provisioning"


def deliveries(
    host: str, runs: list[tuple[uuid.UUID, WebhookRun]], count: int, now: float
) -> Iterator[bytes]:
    for i in range(count):
        tenant_id, run = runs[i % len(runs)]
        body = json.dumps(
            {
                "initiatorId": str(tenant_id),
                "type": 0,
                "data": {
                    "status": 1,
                    "resources": [{"kind": "bench", "n": i}],
                    "appPlaneUrl": "https://bench.example",
                },
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if i % 2 == 0:
            message_id = f"msg_bench_{i}_{uuid.uuid4().hex[:8]}"
            stamp_s = int(now)
            headers["webhook-id"] = message_id
            headers["webhook-timestamp"] = str(stamp_s)
            headers["webhook-signature"] = sign_standard(run.secret, message_id, stamp_s, body)
        else:
            stamp_ms = int(now * 1000)
            headers["x-timestamp"] = str(stamp_ms)
            headers["x-signature"] = sign_arc(run.secret, body, run.context, stamp_ms)
        yield render("POST", host, PATH, headers=headers, body=body)


async def record_runs(dsn: str, runs: list[tuple[uuid.UUID, WebhookRun]]) -> None:
    """As webhook-receiver records a run from its announcement."""
    keys = Keyring.parse(f"dev:{DEV_WEBHOOK_RUN_KEY}")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "INSERT INTO webhook_receiver.webhook_runs"
            " (pipeline_id, tenant_id, context, secret, opened_at, expires_at)"
            " VALUES ($1, $2, $3, $4::jsonb, now(), now() + interval '1 hour')",
            [
                (
                    run.pipeline_id,
                    tenant_id,
                    run.context,
                    keys.seal(
                        run.secret, webhook_run_secret_binding(run.pipeline_id)
                    ).model_dump_json(),
                )
                for tenant_id, run in runs
            ],
        )
    finally:
        await conn.close()


class WebhookIngest(Scenario):
    name = "webhooks"
    title = "Webhook ingest: signed POST /webhooks/provisioning"

    async def run(self, ctx: Context) -> dict[str, Any]:
        if ctx.options.duration > MAX_DURATION:
            raise ValueError(f"webhooks: --duration must be at most {MAX_DURATION:g}s")
        stack = ctx.stack
        runs = [(uuid.uuid4(), new_run(uuid.uuid4())) for _ in range(ctx.options.webhook_tenants)]
        await record_runs(stack.infra.database(stack.names.database, driver="postgresql"), runs)
        ctx.shared["webhook_tenants"] = [str(t) for t, _ in runs]
        count = int(min(MAX_DISTINCT, PER_SECOND_BUDGET * ctx.options.duration))
        host = stack.url("webhook-receiver").removeprefix("http://")
        return await run_http_scenario(
            ctx,
            name=self.name,
            url=stack.url("webhook-receiver") + "/",
            requests=deliveries(host, runs, count, time.time()),
            expected=frozenset({202}),
            params={
                "tenants_with_runs": len(runs),
                "distinct_deliveries": count,
                "schemes": "alternating Standard Webhooks and ARC",
            },
        )

    async def verify(self, ctx: Context, result: dict[str, Any]) -> None:
        """Every accepted delivery is one receipt, one published event, one timeline entry."""
        tenants = ctx.shared["webhook_tenants"]
        dsn = ctx.stack.infra.database(ctx.stack.names.database, driver="postgresql")
        conn = await asyncpg.connect(dsn)
        try:
            accepted = await conn.fetchval(
                "SELECT count(*) FROM webhook_receiver.deliveries"
                " WHERE outcome = 'accepted' AND tenant_id::text = ANY($1::text[])",
                tenants,
            )
            published = await conn.fetchval(
                "SELECT count(*) FROM webhook_receiver.outbox"
                " WHERE event_type = 'webhook.received' AND published_at IS NOT NULL"
                " AND convert_from(payload, 'UTF8')::jsonb ->> 'tenant_id' = ANY($1::text[])",
                tenants,
            )
            timeline = await conn.fetchval(
                "SELECT count(*) FROM tenant_api.tenant_events"
                " WHERE type = 'webhook.received' AND tenant_id::text = ANY($1::text[])",
                tenants,
            )
        finally:
            await conn.close()
        answered = int(result["statuses"].get("202", 0))
        # Requests still in flight when wrk stops are accepted without wrk seeing the answer.
        in_flight = ctx.options.wrk.connections
        result["correctness"] = {
            "answered_202": answered,
            "accepted_receipts": accepted,
            "events_published": published,
            "timeline_entries": timeline,
            "ok": answered <= accepted <= answered + in_flight
            and accepted == published == timeline,
        }
