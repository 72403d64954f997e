"""tenant-api's part of an export: its own records of the tenant, and nothing of another service.

The tenant with its contacts, address, config and feature flags, its invoices, and its
timeline as JSON Lines, under `tenant-api/` in the export's folder.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

from service_kit.exports import ExportStore
from shared_schemas.events import ExportedFile, ExportRef
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.exports import ExportEntry
from tenant_api.domain.tenant import Tenant

SERVICE = "tenant-api"
_TIMELINE_PAGE = 500


async def write_records(
    uow: TenantApiUnitOfWork, store: ExportStore, tenant: Tenant, ref: ExportRef
) -> list[ExportEntry]:
    """Write the tenant's records to the export; ExportFailed if the store refuses."""
    view = await uow.tenants.get(tenant.id)
    assert view is not None, "the tenant is locked by the caller"
    written: list[ExportedFile] = []
    files = {
        "tenant.json": {
            "tenant": asdict(view.tenant),
            "contacts": [asdict(c) for c in view.contacts],
            "address": asdict(view.address) if view.address else None,
        },
        "config.json": await uow.configs.load(tenant.id),
        "invoices.json": [asdict(i) for i in await uow.invoices.list_for(tenant.id)],
    }
    for name, content in files.items():
        await store.put(ref.folder, f"{SERVICE}/{name}", _json(content), written)
    async with store.writer(ref.folder, f"{SERVICE}/timeline.jsonl", written) as out:
        after = None
        while True:
            page = await uow.timeline.page(tenant.id, after=after, limit=_TIMELINE_PAGE)
            for entry in page:
                await out.write(orjson.dumps(asdict(entry), default=_plain) + b"\n")
            if len(page) < _TIMELINE_PAGE:
                break
            after = (page[-1].occurred_at, page[-1].event_id)
    return [ExportEntry.of(SERVICE, f) for f in written]


def _json(content: Any) -> bytes:
    return orjson.dumps(content, default=_plain, option=orjson.OPT_INDENT_2) + b"\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | UUID):  # amounts exactly as stored; asyncpg's own UUIDs
        return str(value)
    if hasattr(value, "items"):  # a read-only mapping
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
