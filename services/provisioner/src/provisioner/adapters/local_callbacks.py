"""The local driver's pending callbacks (table `local_callbacks`), claimed under a lease.

A row is due once webhook-receiver has registered its run (`webhook.run_registered` sets
`registered_at`): a callback sent before would only be refused as a run it does not know. A row
whose run no longer awaits a callback (finished or expired: the step's deadline passed, or the
pipeline was cancelled) is due too, only to be dropped, so a registration that never comes
leaves nothing behind.

A claim takes one due row whose lease is free or expired (`FOR UPDATE SKIP LOCKED`, so replicas
never take the same one), and the claimant renews the lease while it works. A process that
dies holding a lease simply stops renewing it: once it expires, any replica resumes the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Interval, Row, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from provisioner.adapters.orm import local_callbacks as table
from provisioner.adapters.orm import webhook_runs
from service_kit.repository import Repository
from service_kit.rows import from_row

_FREE = or_(table.c.leased_until.is_(None), table.c.leased_until < func.now())
_RUN_AWAITS = exists().where(
    webhook_runs.c.pipeline_id == table.c.pipeline_id,
    webhook_runs.c.finished_at.is_(None),
    webhook_runs.c.expires_at > func.now(),
)
_DUE = or_(table.c.registered_at.is_not(None), ~_RUN_AWAITS)
_LEASE = bindparam("lease", type_=Interval)
# Not named after their columns: an UPDATE reserves those names for its SET clause.
_MINE = (table.c.pipeline_id == bindparam("pid")) & (table.c.owner == bindparam("claim"))

_ADD = insert(table)
_CLAIM = (
    update(table)
    .where(
        table.c.pipeline_id
        == select(table.c.pipeline_id)
        .where(_FREE, _DUE)
        .order_by(table.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    .values(owner=bindparam("claim"), leased_until=func.now() + _LEASE)
    .returning(table)
)
# Only the first registration counts; a row already done (or never added) is no error.
_REGISTER = (
    update(table)
    .where(table.c.pipeline_id == bindparam("pid"), table.c.registered_at.is_(None))
    .values(registered_at=func.now())
)
_RENEW = update(table).where(_MINE).values(leased_until=func.now() + _LEASE)
# The first outcome recorded is the only one ever sent, whoever ran the command.
_FIX = (
    update(table)
    .where(_MINE)
    .values(
        body=func.coalesce(table.c.body, bindparam("new_body")),
        stamp=func.coalesce(table.c.stamp, bindparam("new_stamp")),
    )
    .returning(table.c.body, table.c.stamp)
)
_RELEASE = update(table).where(_MINE).values(owner=None, leased_until=None)
_DONE = delete(table).where(_MINE)


@dataclass(frozen=True)
class PendingCallback:
    """A claimed callback: whom it is for, how to run it, and its outcome once fixed."""

    pipeline_id: UUID
    tenant_id: UUID
    tenant_key: str
    tier: str
    app_url: str
    hold_callback: bool
    callback_delay: float
    body: str | None
    stamp: int | None
    owner: UUID
    trace_context: dict[str, str] | None


class LocalCallbacks(Repository):
    """The pending callbacks inside a unit of work (the step's, or the registration's)."""

    async def add(self, values: dict[str, Any]) -> None:
        await self._session.execute(_ADD, values)

    async def register(self, pipeline_id: UUID) -> bool:
        """Make the pipeline's callback due; False if it was due already or is not pending."""
        result = await self._session.execute(_REGISTER, {"pid": pipeline_id})
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, owner: UUID, lease: timedelta) -> PendingCallback | None:
    row: Row[Any] | None = (await session.execute(_CLAIM, {"claim": owner, "lease": lease})).first()
    if row is None:
        return None
    return from_row(PendingCallback, row)


async def renew(session: AsyncSession, pipeline_id: UUID, owner: UUID, lease: timedelta) -> bool:
    """False if the lease was lost (expired and taken by another claim)."""
    params = {"pid": pipeline_id, "claim": owner, "lease": lease}
    result = await session.execute(_RENEW, params)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def fix_outcome(
    session: AsyncSession, pipeline_id: UUID, owner: UUID, body: str, stamp: int
) -> tuple[str, int] | None:
    """The callback to send: the one fixed before, else this one. None if the lease was lost."""
    params = {"pid": pipeline_id, "claim": owner, "new_body": body, "new_stamp": stamp}
    row = (await session.execute(_FIX, params)).first()
    return (row.body, row.stamp) if row else None


async def release(session: AsyncSession, pipeline_id: UUID, owner: UUID) -> None:
    await session.execute(_RELEASE, {"pid": pipeline_id, "claim": owner})


async def done(session: AsyncSession, pipeline_id: UUID, owner: UUID) -> None:
    await session.execute(_DONE, {"pid": pipeline_id, "claim": owner})
