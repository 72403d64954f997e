"""Offboarding exports a tenant's data before removing it: exactly its rows, checksummed, once."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from provisioner.settings import ProvisionerSettings
from service_kit.exports import open_store
from service_kit.topology import dlq_name
from service_kit_testing import TestInfra
from shared_schemas.events import (
    ExportRef,
    TenantOffboardingRequested,
    TenantOffboardingRequestedData,
    TenantProvisioningRequested,
    Tier,
)

from ..saga import SagaWatch, dead_lettered  # type: ignore[import-not-found]


def offboarding(
    req: TenantProvisioningRequested, settings: ProvisionerSettings
) -> TenantOffboardingRequested:
    d = req.data
    export = open_store(settings).ref(d.key, d.tenant_id, uuid.uuid4())
    return offboarding_to(req, export)


def offboarding_to(
    req: TenantProvisioningRequested, export: ExportRef
) -> TenantOffboardingRequested:
    return TenantOffboardingRequested.build(
        TenantOffboardingRequestedData(tenant_id=req.data.tenant_id, export=export),
        producer="tenant-api",
        correlation_id=req.data.tenant_id,
        tenant_id=req.data.tenant_id,
    )


async def tenant_data(settings: ProvisionerSettings, *statements: tuple[str, list[Any]]) -> None:
    conn = await asyncpg.connect(settings.tenant_data_dsn)
    try:
        for sql, args in statements:
            await conn.execute(sql, *args)
    finally:
        await conn.close()


def on_disk(folder: Path, files: list[Any]) -> dict[str, bytes]:
    """The export's files by path, each checked against the checksum and size reported."""
    found = {}
    for file in files:
        data = (folder / file.path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (file.sha256, file.size)
        found[file.path] = data
    return found


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


async def test_silo_and_pooled_exports_hold_exactly_their_rows_then_everything_goes(
    saga: SagaWatch, exports_dir: Path
) -> None:
    s = await saga("provisioning.*", "tenant.deprovisioned")
    settings = s.settings
    silo = await s.provisioned(Tier.SILO)
    pooled = await s.provisioned(Tier.POOLED)
    neighbour = await s.provisioned(Tier.POOLED)
    schema = settings.tenant_role_prefix + silo.data.key
    await tenant_data(
        settings,
        (
            f'CREATE TABLE "{schema}".orders (id serial PRIMARY KEY, item text NOT NULL, '
            "qty int DEFAULT 1 CHECK (qty > 0))",
            [],
        ),
        (f'CREATE INDEX orders_item_idx ON "{schema}".orders (item)', []),
        (f'SET search_path TO "{schema}"', []),
        ("INSERT INTO orders (item, qty) VALUES ($1, 2), ($2, 5)", ["tea", "scones"]),
        (
            "INSERT INTO pooled.records (tenant_id, payload) VALUES "
            "($1, '{\"n\": 1}'), ($1, '{\"n\": 2}'), ($2, '{\"n\": 99}')",
            [pooled.data.tenant_id, neighbour.data.tenant_id],
        ),
    )

    for req in (silo, pooled):
        asked = offboarding(req, settings)
        await s.publish(asked)
        gone = await s.outcome(req, "tenant.deprovisioned")
        assert asked.data.export is not None
        assert gone.data.export_id == asked.data.export.export_id
        assert gone.data.resources_removed  # removed after the export
        await s.resources_gone(req)
        files = on_disk(exports_dir / asked.data.export.folder, gone.data.exported_files)
        if req is silo:
            assert sorted(files) == [
                f"provisioner/{schema}/orders.csv",
                f"provisioner/{schema}/schema.sql",
            ]
            orders = rows(files[f"provisioner/{schema}/orders.csv"])
            assert [(o["item"], o["qty"]) for o in orders] == [("tea", "2"), ("scones", "5")]
            ddl = files[f"provisioner/{schema}/schema.sql"].decode()
            assert f'CREATE TABLE "{schema}"."orders" (' in ddl
            assert '"item" text NOT NULL' in ddl
            assert "CHECK ((qty > 0))" in ddl
            assert "CREATE INDEX orders_item_idx" in ddl
        else:
            assert list(files) == ["provisioner/pooled/records.csv"]
            records = rows(files["provisioner/pooled/records.csv"])
            assert {r["tenant_id"] for r in records} == {str(pooled.data.tenant_id)}
            assert [r["payload"] for r in records] == ['{"n": 1}', '{"n": 2}']
        ledger = await s.sql(
            "SELECT status, details FROM provisioner.resources WHERE tenant_id = :t "
            "AND kind = 'export'",
            t=req.data.tenant_id,
        )
        assert [row.status for row in ledger] == ["CREATED"]  # kept: the export outlives them
    # The neighbour's rows are where they were.
    assert (
        await s.tenant_db(
            "SELECT count(*) FROM pooled.records WHERE tenant_id = $1", neighbour.data.tenant_id
        )
        == 1
    )


async def test_a_second_request_after_the_export_reuses_it(saga: SagaWatch) -> None:
    s = await saga("provisioning.*", "tenant.deprovisioned")
    req = await s.provisioned(Tier.POOLED)
    first = offboarding(req, s.settings)
    await s.publish(first)
    done = await s.outcome(req, "tenant.deprovisioned")
    assert first.data.export is not None
    again = offboarding_to(req, first.data.export)  # another message asking the same
    await s.publish(again)

    seen = await s.tap.wait_for(
        "tenant.deprovisioned",
        count=2,
        timeout=15,
        where=lambda e: e.tenant_id == req.data.tenant_id,
    )
    second = seen[1]
    assert second.data.exported_files == done.data.exported_files
    assert second.data.resources_removed == []
    exports = await s.sql(
        "SELECT count(*) AS n FROM provisioner.resources WHERE tenant_id = :t AND kind = 'export'",
        t=req.data.tenant_id,
    )
    assert exports[0].n == 1


async def test_a_refused_export_removes_nothing_and_dead_letters_after_its_retries(
    saga: SagaWatch, exports_dir: Path, infra: TestInfra
) -> None:
    s = await saga("provisioning.*", "tenant.deprovisioned")
    req = await s.provisioned(Tier.POOLED)
    asked = offboarding(req, s.settings)
    assert asked.data.export is not None
    # A file where the tenant's folder must go: no write succeeds, root or not.
    blocker = exports_dir / asked.data.export.folder.split("/")[0]
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")

    await s.publish(asked)
    message = await dead_lettered(infra, dlq_name(s.settings), asked.id)
    assert message.headers["x-reason"] == "retries_exhausted"
    assert "ExportFailed" in message.headers["x-error"]
    assert message.headers["x-original-routing-key"] == "tenant.offboarding_requested"
    assert await s.tenant_db(
        "SELECT 1 FROM pooled.tenants WHERE tenant_id = $1", req.data.tenant_id
    )
    still_open = await s.sql(
        "SELECT kind FROM provisioner.resources WHERE tenant_id = :t AND status <> 'DELETED' "
        "AND kind <> 'export'",
        t=req.data.tenant_id,
    )
    assert sorted(r.kind for r in still_open) == [
        "api_key",
        "policy",
        "pooled_tenant",
        "role",
        "subscription",
    ]
    assert not s.events("tenant.deprovisioned", req)

    # The store back, the replayed message exports, then removes.
    blocker.unlink()
    await s.publish(asked)
    gone = await s.outcome(req, "tenant.deprovisioned")
    on_disk(exports_dir / asked.data.export.folder, gone.data.exported_files)
    await s.resources_gone(req)
