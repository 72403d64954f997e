"""The resource ledger (table `resources`).

`Ledger` writes each row in its own transaction, before and after an effect, and reads what
is committed; `LedgerEntries` writes in the caller's unit of work, for an effect inside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from provisioner.adapters.orm import resources
from provisioner.domain.resource import Resource, ResourceStatus
from service_kit.db import constant
from service_kit.repository import Repository
from service_kit.rows import from_row
from shared_schemas.events import StepName

# Built once; every step writes these around its effects.
_INSERT = insert(resources)
_MARK = (
    update(resources)
    .where(resources.c.id == bindparam("resource_id"))
    .values(status=bindparam("new_status"), updated_at=func.now())
)
# The open row of one resource of a pipeline, if an earlier try of its step wrote one.
_OPEN_ONE = (
    select(resources.c.id, resources.c.status)
    .where(
        resources.c.pipeline_id == bindparam("pipeline_id"),
        resources.c.kind == bindparam("kind"),
        resources.c.name == bindparam("name"),
        resources.c.status != ResourceStatus.DELETED,
    )
    .order_by(resources.c.created_at.desc())
    .limit(1)
)
_SET_DETAILS = (
    update(resources)
    .where(resources.c.id == bindparam("resource_id"))
    .values(details=bindparam("new_details"), updated_at=func.now())
)
# Preflight's two questions, asked of live rows only: DELETED written as a constant, as the
# partial indexes resources_live_name_idx and resources_live_kind_idx name it (a parameter
# there and a cached plan could not use them, and the ledger keeps every tenant ever made).
_LIVE = resources.c.status != constant(ResourceStatus.DELETED)
NAME_HELD_BY_OTHER = (
    select(resources.c.id)
    .where(
        resources.c.name == bindparam("name"),
        resources.c.tenant_id != bindparam("tenant_id"),
        _LIVE,
    )
    .limit(1)
)
COUNT_OPEN = (
    select(func.count()).select_from(resources).where(resources.c.kind == bindparam("kind"), _LIVE)
)


class Ledger:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def begin(
        self,
        *,
        tenant_id: UUID,
        pipeline_id: UUID,
        step: StepName,
        kind: str,
        name: str,
        details: dict[str, Any] | None = None,
    ) -> UUID:
        """Record that an effect is about to happen (committed before the effect).

        A retried step (after a failed attempt, or an engine that was away) finds the row its
        earlier try wrote and goes on with it, so the ledger lists each resource once.
        """
        async with self._sessions() as session, session.begin():
            earlier = (
                await session.execute(
                    _OPEN_ONE, {"pipeline_id": pipeline_id, "kind": kind, "name": name}
                )
            ).first()
            if earlier is not None:
                if details and earlier.status == ResourceStatus.CREATING:
                    # Not made yet: the effect about to happen is this try's.
                    await session.execute(
                        _SET_DETAILS, {"resource_id": earlier.id, "new_details": details}
                    )
                return UUID(str(earlier.id))
            resource_id = uuid4()
            await session.execute(
                _INSERT,
                {
                    "id": resource_id,
                    "tenant_id": tenant_id,
                    "pipeline_id": pipeline_id,
                    "step": step,
                    "kind": kind,
                    "name": name,
                    "status": ResourceStatus.CREATING,
                    "details": details or {},
                },
            )
        return resource_id

    async def mark(self, resource_id: UUID, status: ResourceStatus) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(_MARK, {"resource_id": resource_id, "new_status": status})

    async def open(
        self, *, pipeline_id: UUID | None = None, tenant_id: UUID | None = None
    ) -> list[Resource]:
        """Resources that may exist (created, or caught mid-creation), newest first."""
        query = select(resources).where(resources.c.status != ResourceStatus.DELETED)
        if pipeline_id is not None:
            query = query.where(resources.c.pipeline_id == pipeline_id)
        if tenant_id is not None:
            query = query.where(resources.c.tenant_id == tenant_id)
        async with self._sessions() as session:
            rows = await session.execute(query.order_by(resources.c.created_at.desc()))
            return [resource(row) for row in rows]

    async def created_details(self, tenant_id: UUID, kind: str, name: str) -> dict[str, Any] | None:
        """The details of the tenant's CREATED resource of this kind and name; None: not made
        (or only begun)."""
        async with self._sessions() as session:
            found: dict[str, Any] | None = await session.scalar(
                select(resources.c.details).where(
                    resources.c.tenant_id == tenant_id,
                    resources.c.kind == kind,
                    resources.c.name == name,
                    resources.c.status == ResourceStatus.CREATED,
                )
            )
            return found

    async def details(self, resource_id: UUID) -> dict[str, Any]:
        """What the row records (empty for an unknown row, or one that records nothing)."""
        async with self._sessions() as session:
            found: dict[str, Any] | None = await session.scalar(
                select(resources.c.details).where(resources.c.id == resource_id)
            )
            return found or {}

    async def mark_created(self, resource_id: UUID, details: dict[str, Any]) -> None:
        """The effect is done; `details` records what it made."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                _SET_DETAILS, {"resource_id": resource_id, "new_details": details}
            )
            await session.execute(
                _MARK, {"resource_id": resource_id, "new_status": ResourceStatus.CREATED}
            )

    async def set_details(self, resource_id: UUID, details: dict[str, Any]) -> None:
        """Replace what the row records (committed before the effect it is about)."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                _SET_DETAILS, {"resource_id": resource_id, "new_details": details}
            )

    async def name_held_by_other(self, name: str, tenant_id: UUID) -> bool:
        """Another tenant's resource of this name may exist (its key is in use)."""
        async with self._sessions() as session:
            found = await session.scalar(NAME_HELD_BY_OTHER, {"name": name, "tenant_id": tenant_id})
            return found is not None

    async def count_open(self, kind: str) -> int:
        """Live resources of `kind` (not DELETED): how many silo schemas exist, for one."""
        async with self._sessions() as session:
            count = await session.scalar(COUNT_OPEN, {"kind": kind})
            return int(count or 0)


# Built once; an undone resource is marked so.
_DELETED = (
    update(resources)
    .where(resources.c.id == bindparam("resource_id"))
    .values(status=ResourceStatus.DELETED, updated_at=bindparam("at"))
)
_LIVE_OF_KIND = (
    select(resources)
    .where(
        resources.c.tenant_id == bindparam("tenant_id"),
        resources.c.kind == bindparam("kind"),
        resources.c.status != ResourceStatus.DELETED,
    )
    .order_by(resources.c.created_at.desc())
)


class LedgerEntries(Repository):
    """The ledger inside a unit of work: the row commits (or not) with the effect."""

    async def record(
        self, *, tenant_id: UUID, pipeline_id: UUID, step: StepName, kind: str, name: str
    ) -> None:
        """For an effect inside this transaction: row and effect commit together."""
        await self._session.execute(
            _INSERT,
            {
                "id": uuid4(),
                "tenant_id": tenant_id,
                "pipeline_id": pipeline_id,
                "step": step,
                "kind": kind,
                "name": name,
                "status": ResourceStatus.CREATED,
            },
        )

    async def mark_deleted(self, resource_id: UUID) -> None:
        await self._session.execute(_DELETED, {"resource_id": resource_id, "at": datetime.now(UTC)})

    async def live(self, tenant_id: UUID, kind: str) -> list[Resource]:
        """The tenant's resources of `kind` that may exist, newest first."""
        rows = await self._session.execute(_LIVE_OF_KIND, {"tenant_id": tenant_id, "kind": kind})
        return [resource(row) for row in rows]


def resource(row: Row[Any]) -> Resource:
    return from_row(Resource, row, status=ResourceStatus(row.status))
