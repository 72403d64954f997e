"""Offboarding's two ends in tenant-api.

`start_removal`: the tenant becomes DEPROVISIONING; if it holds data, tenant-api first writes
its own records to a new export, and `tenant.offboarding_requested` asks the provisioner to
export its part to the same folder before removing anything. A refused export raises
ExportFailed before anything is written to the database: nothing changes.

`finish_offboarding`: on `tenant.deprovisioned`, MANIFEST.json lists every file of both
services, the export is recorded complete, the tenant is OFFBOARDED and `tenant.offboarded`
says where the export is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from uuid import uuid4

import orjson
import structlog

from service_kit.consumer import Consumer
from service_kit.exports import ExportStore, export_folder
from shared_schemas import Actor
from shared_schemas.events import ExportedFile, TenantDeprovisioned
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.exports import MANIFEST, ExportEntry
from tenant_api.domain.tenant import Tenant
from tenant_api.exports.records import write_records

log = structlog.get_logger(__name__)
PROVISIONER = "provisioner"


async def start_removal(
    uow: TenantApiUnitOfWork,
    store: ExportStore,
    tenant: Tenant,
    *,
    now: datetime,
    reason: str | None,
    actor: Actor | None,
) -> Tenant:
    """→ DEPROVISIONING (the tenant is locked by the caller), exporting first if it holds data."""
    export = None
    if tenant.holds_data:
        export = store.ref(tenant.key, tenant.id, uuid4())
        files = await write_records(uow, store, tenant, export)
        await uow.exports.start(export.export_id, tenant.id, export.location, files)
    moved, event = tenant.offboard(now, reason, actor, export)
    await uow.tenants.set_status(moved.id, moved.status)
    await uow.outbox.add(event)
    return moved


async def finish_offboarding(
    event: TenantDeprovisioned, uow: TenantApiUnitOfWork, store: ExportStore
) -> None:
    """DEPROVISIONING → OFFBOARDED; the record and the export stay, its resources are gone."""
    tenant = await uow.tenants.lock(event.data.tenant_id)
    if tenant is None or not tenant.deprovisioning:
        log.info("tenant.deprovisioned for a tenant not being offboarded; ignored")
        return
    location = None
    export_id = event.data.export_id
    export = await uow.exports.get(export_id) if export_id else None
    if export is not None:
        now = datetime.now(UTC)
        theirs = tuple(ExportEntry.of(PROVISIONER, f) for f in event.data.exported_files)
        content = export.manifest(tenant.key, adding=theirs, at=now)
        written: list[ExportedFile] = []
        folder = export_folder(tenant.key, tenant.id, export.id)
        await store.put(
            folder, MANIFEST, orjson.dumps(content, option=orjson.OPT_INDENT_2), written
        )
        manifest = ExportEntry.of("tenant-api", written[0])
        await uow.exports.complete(export.id, (*export.files, *theirs, manifest), now)
        location = export.location
    contact = await uow.tenants.primary_contact(tenant.id)
    offboarded, offboarded_event = tenant.finish_offboarding(contact, event, location)
    await uow.tenants.set_status(tenant.id, offboarded.status)
    await uow.outbox.add(offboarded_event)


def offboarding_consumer(store: ExportStore) -> Consumer[TenantApiUnitOfWork]:
    """Its own transaction per delivery: the handler writes MANIFEST.json besides its rows."""
    return Consumer(
        name="offboarding",
        handlers={"tenant.deprovisioned": partial(finish_offboarding, store=store)},
    )
