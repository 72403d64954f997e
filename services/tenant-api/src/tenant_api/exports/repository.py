"""Reading and writing `tenant_exports`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenant_api.adapters.orm import tenant_exports
from tenant_api.domain.exports import ExportEntry, ExportStatus, TenantExport


class ExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(
        self, export_id: UUID, tenant_id: UUID, location: str, files: Iterable[ExportEntry]
    ) -> None:
        """tenant-api's part is written: the export waits for the provisioner's."""
        await self._session.execute(
            insert(tenant_exports).values(
                id=export_id,
                tenant_id=tenant_id,
                location=location,
                status=ExportStatus.WRITING,
                files=[asdict(f) for f in files],
            )
        )

    async def get(self, export_id: UUID) -> TenantExport | None:
        row = (
            await self._session.execute(
                select(tenant_exports).where(tenant_exports.c.id == export_id)
            )
        ).first()
        return None if row is None else _export(row)

    async def complete(
        self, export_id: UUID, files: Iterable[ExportEntry], completed_at: datetime
    ) -> None:
        await self._session.execute(
            update(tenant_exports)
            .where(tenant_exports.c.id == export_id)
            .values(
                status=ExportStatus.COMPLETE,
                files=[asdict(f) for f in files],
                completed_at=completed_at,
            )
        )

    async def list_for(self, tenant_id: UUID) -> list[TenantExport]:
        """The tenant's exports, newest first."""
        query = (
            select(tenant_exports)
            .where(tenant_exports.c.tenant_id == tenant_id)
            .order_by(tenant_exports.c.started_at.desc(), tenant_exports.c.id)
        )
        return [_export(row) for row in (await self._session.execute(query)).all()]


def _export(row: Row[Any]) -> TenantExport:
    return TenantExport(
        id=row.id,
        tenant_id=row.tenant_id,
        location=row.location,
        status=ExportStatus(row.status),
        files=tuple(ExportEntry(**f) for f in row.files),
        started_at=row.started_at,
        completed_at=row.completed_at,
    )
