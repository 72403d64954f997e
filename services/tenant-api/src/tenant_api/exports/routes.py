"""`GET /tenants/{id}/exports`: the tenant's offboarding exports, where they are, what they hold."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from shared_schemas.api.base import ApiModel
from tenant_api.auth import KeyReader
from tenant_api.domain.exports import MANIFEST, ExportStatus, TenantExport
from tenant_api.web.errors import tenant_problems
from tenant_api.web.listing import ItemList, read_of_tenant
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(prefix="/tenants", tags=["tenant exports"])


class ExportFileOut(ApiModel):
    service: str = Field(description="The service that wrote it (each exports what it owns).")
    path: str = Field(description="Relative to the export's location.")
    sha256: str
    size: int = Field(description="Bytes.")


class ExportOut(ApiModel):
    id: UUID
    location: str = Field(description="The export's folder: file:// (a path) or s3://.")
    status: ExportStatus = Field(description="WRITING until MANIFEST.json is there: COMPLETE.")
    manifest: str | None = Field(description="The manifest's location, once COMPLETE.")
    files: list[ExportFileOut]
    started_at: datetime
    completed_at: datetime | None


class ExportList(ItemList[ExportOut]):
    pass


@router.get(
    "/{tenant_id}/exports",
    response_model=ExportList,
    responses=tenant_problems(),
)
async def list_exports(tenant_id: UUID, principal: KeyReader, runtime: RuntimeDep) -> ExportList:
    """The tenant's offboarding exports, newest first, with every file's checksum (admin, or the
    tenant itself)."""
    principal.ensure_tenant(tenant_id)
    found = await read_of_tenant(runtime, tenant_id, lambda uow: uow.exports.list_for(tenant_id))
    return ExportList.of([_out(export) for export in found])


def _out(export: TenantExport) -> ExportOut:
    complete = export.status is ExportStatus.COMPLETE
    return ExportOut(
        id=export.id,
        location=export.location,
        status=export.status,
        manifest=f"{export.location}/{MANIFEST}" if complete else None,
        files=[ExportFileOut(**vars(f)) for f in export.files],
        started_at=export.started_at,
        completed_at=export.completed_at,
    )
