"""A tenant may have several unexpired runs (a retried pipeline, and the attempts before it):
a callback is verified against each, and the run whose secret signed it is the one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service_kit.webhooks import WebhookRun, new_run
from service_kit_testing import SqlRunner
from webhook_receiver.settings import WebhookReceiverSettings

from ..conftest import arc_headers, callback_body, record_run  # type: ignore[import-not-found]

UNAUTHORIZED = "https://controlplane.dev/problems/unauthorized"


async def receipts(sql: SqlRunner, tenant_id: uuid.UUID) -> list[tuple[str, str | None, uuid.UUID]]:
    rows = await sql(
        "SELECT outcome, reason, pipeline_id FROM webhook_receiver.deliveries"
        " WHERE tenant_id = :t ORDER BY received_at",
        t=tenant_id,
    )
    return [(r.outcome, r.reason, r.pipeline_id) for r in rows]


async def two_runs(
    settings: WebhookReceiverSettings, *, finished_looks_newer: bool
) -> tuple[uuid.UUID, WebhookRun, WebhookRun]:
    """A tenant's finished run of an earlier pipeline and the open run of its retry. Which of
    the two carries the later opening time depends on the clocks of the provisioner replicas
    that announced them, so both orders are tried."""
    tenant_id, older, newer = uuid.uuid4(), new_run(uuid.uuid4()), new_run(uuid.uuid4())
    now = datetime.now(UTC)
    older_at, newer_at = (now, now - timedelta(seconds=1))
    if not finished_looks_newer:
        older_at, newer_at = newer_at, older_at
    await record_run(settings, tenant_id, older, finished=True, opened_at=older_at)
    await record_run(settings, tenant_id, newer, opened_at=newer_at)
    return tenant_id, older, newer


@pytest.mark.parametrize("finished_looks_newer", [True, False], ids=["skewed", "in-order"])
async def test_the_open_run_of_a_retry_is_not_shadowed_by_a_finished_one(
    client: httpx.AsyncClient,
    settings: WebhookReceiverSettings,
    sql: SqlRunner,
    migrated: None,
    finished_looks_newer: bool,
) -> None:
    tenant_id, older, newer = await two_runs(settings, finished_looks_newer=finished_looks_newer)
    body = callback_body(tenant_id)

    answer = await client.post(
        "/webhooks/provisioning", content=body, headers=arc_headers(newer, body)
    )

    assert answer.status_code == 202, answer.text
    assert await receipts(sql, tenant_id) == [("accepted", None, newer.pipeline_id)]
    # The finished run still refuses a new delivery signed for it.
    late = await client.post(
        "/webhooks/provisioning", content=body, headers=arc_headers(older, body)
    )
    assert late.status_code == 401, late.text
    assert (await receipts(sql, tenant_id))[-1] == ("rejected", "run_finished", older.pipeline_id)


async def test_signed_for_none_of_the_tenants_runs_is_a_bad_signature(
    client: httpx.AsyncClient, settings: WebhookReceiverSettings, sql: SqlRunner, migrated: None
) -> None:
    tenant_id, _, newer = await two_runs(settings, finished_looks_newer=False)
    body = callback_body(tenant_id)

    forged = await client.post(
        "/webhooks/provisioning", content=body, headers=arc_headers(new_run(uuid.uuid4()), body)
    )

    assert forged.status_code == 401, forged.text
    assert forged.json()["type"] == UNAUTHORIZED  # final: no retry will make it pass
    # The receipt names the newest run, the one a sender most likely meant.
    assert await receipts(sql, tenant_id) == [("rejected", "bad_signature", newer.pipeline_id)]
