"""Exporting a tenant's data before offboarding removes it, once, through the ledger.

The export is an `export` resource of the tenant (named by the export id), begun before the
first file and CREATED with the files it wrote: a redelivery after a crash between export and
removal finds it done and exports nothing twice; one after a crash during the export writes it
again, whole. Nothing is removed before it is CREATED: a store that refuses raises
ExportFailed, and the message goes through the retry tiers to the DLQ with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from provisioner.adapters.tenant_data_export import export_pooled, export_schema
from provisioner.deps import ProvisionerDeps
from provisioner.domain.resource import Resource
from shared_schemas.events import ExportedFile, ExportRef, StepName

EXPORT = "export"
# The resources that hold the tenant's data: what an export reads.
_DATA = ("schema", "pooled_tenant")


async def export_before_removal(
    tenant_id: UUID, export: ExportRef, resources: Sequence[Resource], deps: ProvisionerDeps
) -> list[ExportedFile]:
    """The files of the tenant's data in the export's folder (written now, or before)."""
    done = await deps.ledger.created_details(tenant_id, EXPORT, str(export.export_id))
    if done is not None:
        return [ExportedFile.model_validate(f) for f in done["files"]]
    data = [r for r in resources if r.kind in _DATA]
    if not data:
        return []  # nothing provisioned holds data
    resource_id = await deps.ledger.begin(
        tenant_id=tenant_id,
        pipeline_id=data[0].pipeline_id,  # the data's pipeline made what is exported
        step=StepName.DATABASE,
        kind=EXPORT,
        name=str(export.export_id),
        details={"location": export.location},
    )
    written: list[ExportedFile] = []
    async with deps.tenant_data.connection() as conn:
        for resource in data:
            if resource.kind == "schema":
                await export_schema(conn, deps.exports, export.folder, resource.name, written)
            else:
                await export_pooled(conn, deps.exports, export.folder, tenant_id, written)
    files = [f.model_dump() for f in written]
    await deps.ledger.mark_created(resource_id, {"location": export.location, "files": files})
    return written
