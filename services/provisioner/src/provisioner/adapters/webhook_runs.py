"""The webhook runs (table `webhook_runs`): opened by the infrastructure step, announced to
webhook-receiver through the outbox, finished once no callback is awaited.

The run, its announcement and the step's waiting commit together: there is never a waiting
step whose callback could not be verified, and nothing of it lives only in Redis.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from provisioner import PRODUCER
from provisioner.adapters.orm import webhook_runs as table
from service_kit.outbox import Outbox
from service_kit.retention import RetentionRule
from service_kit.sealing import Keyring
from service_kit.webhooks import WebhookRun, new_run
from shared_schemas.events import (
    Sealed,
    WebhookRunFinished,
    WebhookRunFinishedData,
    WebhookRunOpened,
    WebhookRunOpenedData,
    webhook_run_secret_binding,
)

# A run is pruned this long after it expired: nothing verifies or signs with it any more.
RETENTION_MARGIN = timedelta(days=1)

_ADD = insert(table)
_FINISH = (
    update(table)
    .where(table.c.pipeline_id == bindparam("pid"), table.c.finished_at.is_(None))
    .values(finished_at=bindparam("at"))
    .returning(table.c.tenant_id, table.c.expires_at)
)
_WAITING = select(table).where(
    table.c.pipeline_id == bindparam("pid"),
    table.c.finished_at.is_(None),
    table.c.expires_at > bindparam("now"),
)


def retention() -> RetentionRule:
    return RetentionRule(table, "expires_at", RETENTION_MARGIN)


class WebhookRuns:
    """The runs inside a unit of work: a run and its announcement commit together."""

    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        self._session = session
        self._outbox = outbox

    async def open_run(
        self, keys: Keyring, *, tenant_id: UUID, pipeline_id: UUID, lifetime: timedelta
    ) -> WebhookRun:
        """A new run for the pipeline, recorded and announced in this transaction."""
        run = new_run(pipeline_id)
        expires_at = datetime.now(UTC) + lifetime
        sealed = keys.seal(run.secret, webhook_run_secret_binding(pipeline_id))
        await self._session.execute(
            _ADD,
            {
                "pipeline_id": pipeline_id,
                "tenant_id": tenant_id,
                "context": run.context,
                "secret": sealed.model_dump(mode="json"),
                "expires_at": expires_at,
            },
        )
        data = WebhookRunOpenedData(
            tenant_id=tenant_id,
            pipeline_id=pipeline_id,
            context=run.context,
            secret=sealed,
            expires_at=expires_at,
        )
        await self._outbox.add(
            WebhookRunOpened.build(
                data, producer=PRODUCER, correlation_id=pipeline_id, tenant_id=tenant_id
            )
        )
        return run

    async def finish(self, pipeline_id: UUID) -> bool:
        """Mark the pipeline's run finished and announce it; False if it was not open."""
        row = (
            await self._session.execute(_FINISH, {"pid": pipeline_id, "at": datetime.now(UTC)})
        ).first()
        if row is None:
            return False
        data = WebhookRunFinishedData(
            tenant_id=row.tenant_id, pipeline_id=pipeline_id, expires_at=row.expires_at
        )
        await self._outbox.add(
            WebhookRunFinished.build(
                data, producer=PRODUCER, correlation_id=pipeline_id, tenant_id=row.tenant_id
            )
        )
        return True


async def waiting(session: AsyncSession, keys: Keyring, pipeline_id: UUID) -> WebhookRun | None:
    """The pipeline's run while it still awaits a callback, its secret opened; else None."""
    row = (await session.execute(_WAITING, {"pid": pipeline_id, "now": datetime.now(UTC)})).first()
    if row is None:
        return None
    secret = keys.open(
        Sealed.model_validate(row.secret), webhook_run_secret_binding(row.pipeline_id)
    )
    return WebhookRun(secret=secret, context=row.context, pipeline_id=row.pipeline_id)
