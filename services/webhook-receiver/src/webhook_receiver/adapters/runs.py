"""The runs webhook-receiver verifies callbacks against (table `webhook_runs`).

Written only from the provisioner's announcements, in any order: each one is an upsert that
fills in what it knows, and `finished` never goes back to false.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.retention import RetentionRule
from service_kit.sealing import Keyring
from service_kit.webhooks import WebhookRun
from shared_schemas.events import (
    Sealed,
    WebhookRunFinishedData,
    WebhookRunOpenedData,
    webhook_run_secret_binding,
)
from webhook_receiver.adapters.orm import webhook_runs as table

# Pruned this long after it expired: nothing is verified against it any more.
RETENTION_MARGIN = timedelta(days=1)

_opened = insert(table)
_OPENED = _opened.on_conflict_do_update(
    index_elements=[table.c.pipeline_id],
    set_={
        "tenant_id": _opened.excluded.tenant_id,
        "context": _opened.excluded.context,
        "secret": _opened.excluded.secret,
        "opened_at": _opened.excluded.opened_at,
        "expires_at": _opened.excluded.expires_at,
        "updated_at": func.now(),
    },
)
_finished = insert(table)
_FINISHED = _finished.on_conflict_do_update(
    index_elements=[table.c.pipeline_id],
    set_={"finished": True, "updated_at": func.now()},
)
# The tenant's newest announced run (a retried pipeline's run replaces the one before).
_CURRENT = (
    select(table)
    .where(
        table.c.tenant_id == bindparam("tenant_id"),
        table.c.secret.is_not(None),
        table.c.expires_at > bindparam("now"),
    )
    .order_by(table.c.opened_at.desc())
    .limit(1)
)


def retention() -> RetentionRule:
    return RetentionRule(table, "expires_at", RETENTION_MARGIN)


async def opened(session: AsyncSession, data: WebhookRunOpenedData, at: datetime) -> None:
    await session.execute(
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


async def finished(session: AsyncSession, data: WebhookRunFinishedData) -> None:
    await session.execute(
        _FINISHED,
        {
            "pipeline_id": data.pipeline_id,
            "tenant_id": data.tenant_id,
            "expires_at": data.expires_at,
            "finished": True,
        },
    )


async def current(
    session: AsyncSession, keys: Keyring, tenant_id: UUID, now: datetime
) -> WebhookRun | None:
    """The run a callback for `tenant_id` is verified against, its secret opened; None if no
    unexpired run was announced. `Unsealable` if no configured key opens it."""
    row: Any = (await session.execute(_CURRENT, {"tenant_id": tenant_id, "now": now})).first()
    if row is None:
        return None
    secret = keys.open(
        Sealed.model_validate(row.secret), webhook_run_secret_binding(row.pipeline_id)
    )
    return WebhookRun(
        secret=secret, context=row.context, pipeline_id=row.pipeline_id, finished=row.finished
    )
