"""The runs webhook-receiver verifies callbacks against (table `webhook_runs`).

Written only from the provisioner's announcements, in any order: each one is an upsert that
fills in what it knows, and `finished` never goes back to false.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import bindparam, select

from service_kit.repository import Repository
from service_kit.retention import RetentionRule
from service_kit.sealing import Keyring, Unsealable
from service_kit.upserts import upsert
from service_kit.webhooks import WebhookRun
from shared_schemas.events import (
    Sealed,
    WebhookRunFinishedData,
    WebhookRunOpenedData,
    webhook_run_secret_binding,
)
from webhook_receiver.adapters.orm import webhook_runs as table

log = structlog.get_logger(__name__)

# Pruned this long after it expired: nothing is verified against it any more.
RETENTION_MARGIN = timedelta(days=1)

_OPENED = upsert(
    table,
    table.c.pipeline_id,
    taken=("tenant_id", "context", "secret", "opened_at", "expires_at"),
    touched="updated_at",
)
_FINISHED = upsert(table, table.c.pipeline_id, fixed={"finished": True}, touched="updated_at")
# A tenant's unexpired announced runs, newest first. A tenant has one run per pipeline and its
# pipelines run one at a time, so only a few are unexpired at once: a retried pipeline's run and
# the runs of the attempts before it. The cap bounds the work a forged callback can cause.
MAX_RUNS_PER_TENANT = 8
_ANNOUNCED = (
    select(table)
    .where(
        table.c.tenant_id == bindparam("tenant_id"),
        table.c.secret.is_not(None),
        table.c.expires_at > bindparam("now"),
    )
    .order_by(table.c.opened_at.desc())
    .limit(MAX_RUNS_PER_TENANT)
)


def retention() -> RetentionRule:
    return RetentionRule(table, "expires_at", RETENTION_MARGIN)


class Runs(Repository):
    async def opened(self, data: WebhookRunOpenedData, at: datetime) -> None:
        await self._session.execute(
            _OPENED,
            {
                "pipeline_id": data.pipeline_id,
                "tenant_id": data.tenant_id,
                "context": data.context,
                "secret": data.secret.model_dump(mode="json"),
                "opened_at": at,
                "expires_at": data.expires_at,
            },
        )

    async def finished(self, data: WebhookRunFinishedData) -> None:
        await self._session.execute(
            _FINISHED,
            {
                "pipeline_id": data.pipeline_id,
                "tenant_id": data.tenant_id,
                "expires_at": data.expires_at,
                "finished": True,
            },
        )

    async def announced(self, keys: Keyring, tenant_id: UUID, now: datetime) -> list[WebhookRun]:
        """The runs a callback for `tenant_id` may be signed for, newest first, secrets opened;
        empty if no unexpired run was announced. A run whose secret no configured key opens any
        more (a key removed from WEBHOOK_RUN_KEYS since it came) is left out, and logged."""
        rows = (await self._session.execute(_ANNOUNCED, {"tenant_id": tenant_id, "now": now})).all()
        found: list[WebhookRun] = []
        for row in rows:
            try:
                secret = keys.open(
                    Sealed.model_validate(row.secret), webhook_run_secret_binding(row.pipeline_id)
                )
            except Unsealable as exc:
                log.error(
                    "a run's secret no longer opens",
                    tenant_id=str(tenant_id),
                    pipeline_id=str(row.pipeline_id),
                    error=exc.detail,
                )
                continue
            found.append(
                WebhookRun(
                    secret=secret,
                    context=row.context,
                    pipeline_id=row.pipeline_id,
                    finished=row.finished,
                )
            )
        return found
