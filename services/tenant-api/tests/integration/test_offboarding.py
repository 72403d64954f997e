"""Offboarding with a way back: the grace (read-only), restore, the due job, and the export."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from service_kit.runtime import ServiceRuntime
from shared_schemas import Actor
from shared_schemas import events as contracts
from tenant_api.tenants.offboarding_due import start_due_once

from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import assert_problem, bearer  # type: ignore[import-not-found]
from ..saga import FakeProvisioner, Sql, tenant_event  # type: ignore[import-not-found]

Provisioning = Callable[..., Awaitable[FakeProvisioner]]
ADMIN = Actor(sub="test:admin", role="admin")
READ_ONLY = "offboarding is scheduled; restore it first"


@pytest.fixture
def exports_dir(tmp_path: Path) -> Path:
    """Where the conftest's settings put this test's exports."""
    return tmp_path / "exports"


@pytest.fixture
def active(desk: Desk) -> Provisioning:
    """A tenant provisioned to ACTIVE, with its first invoice."""

    async def make(**tenant_args: Any) -> FakeProvisioner:
        saga = await desk.provisioning(**tenant_args)
        await saga.publish(saga.invoice(), saga.completed())
        await desk.reaches(saga.tenant_id, "ACTIVE")
        return saga

    return make


async def due_within_the_hour(sql: Sql, tenant_ids: list[uuid.UUID]) -> None:
    """Due soon, not yet: the app's own job (real time) leaves them to the test's rounds."""
    await sql(
        "UPDATE tenant_api.tenants SET offboarding_due_at = now() + interval '1 hour' "
        "WHERE id = ANY(:ids)",
        ids=tenant_ids,
    )


async def test_delete_schedules_a_read_only_grace_and_restore_undoes_it(
    desk: Desk, active: Provisioning, event_tap: Any
) -> None:
    tap = await event_tap("tenant.offboarding_scheduled", "tenant.offboarding_cancelled")
    admin = desk.admin
    saga = await active()
    url = f"/tenants/{saga.tenant_id}"
    before = await desk.tenant(saga.tenant_id)
    config_before = (await desk.client.get(f"{url}/config", headers=admin)).json()

    deleted = await desk.client.delete(url, params={"reason": "closing"}, headers=admin)
    assert deleted.status_code == 202, deleted.text
    assert deleted.json()["status"] == "OFFBOARDING_SCHEDULED"
    (scheduled,) = await tenant_event(tap, "tenant.offboarding_scheduled", saga.tenant_id)
    assert scheduled.actor == ADMIN
    assert (scheduled.data.previous_status, scheduled.data.reason) == ("ACTIVE", "closing")
    assert scheduled.data.due_at - scheduled.occurred_at == timedelta(days=30)
    shown = await desk.tenant(saga.tenant_id)
    assert (shown["status"], shown["offboardingFrom"]) == ("OFFBOARDING_SCHEDULED", "ACTIVE")
    assert datetime.fromisoformat(shown["offboardingDueAt"]) == scheduled.data.due_at

    # Read-only: every write answers 409 with the way out, and changes nothing.
    contact = {"firstName": "Milton", "lastName": "Waddams", "email": "milton@initech.example"}
    writes = [
        desk.client.patch(url, json={"name": "Renamed"}, headers=admin),
        desk.client.post(f"{url}/contacts", json=contact, headers=admin),
        desk.client.put(f"{url}/config/feature-flags", json={"beta": True}, headers=admin),
        desk.client.put(f"{url}/credentials/stripe", json={"apiKey": "sk_live_x"}, headers=admin),
        desk.client.post(f"{url}/suspend", headers=admin),
        desk.client.post(f"{url}/provision", headers=admin),
    ]
    for write in writes:
        refused = assert_problem(await write, 409)
        assert refused["detail"] == READ_ONLY
        assert refused["tenantStatus"] == "OFFBOARDING_SCHEDULED"
    assert (await desk.client.delete(url, headers=admin)).status_code == 409  # already scheduled
    after = await desk.tenant(saga.tenant_id)
    assert (after["name"], after["contacts"]) == (before["name"], before["contacts"])
    config = (await desk.client.get(f"{url}/config", headers=admin)).json()
    assert config["featureFlags"] == config_before["featureFlags"] == {}
    credentials = (await desk.client.get(f"{url}/credentials", headers=admin)).json()
    assert credentials["count"] == 0

    restored = await desk.client.post(f"{url}/restore", headers=admin)
    assert restored.status_code == 202, restored.text
    assert restored.json()["status"] == "ACTIVE"
    (cancelled,) = await tenant_event(tap, "tenant.offboarding_cancelled", saga.tenant_id)
    assert (cancelled.actor, cancelled.data.restored_status) == (ADMIN, "ACTIVE")
    back = await desk.tenant(saga.tenant_id)
    assert (back["status"], back["offboardingDueAt"], back["offboardingFrom"]) == (
        "ACTIVE",
        None,
        None,
    )
    assert_problem(await desk.client.post(f"{url}/restore", headers=admin), 409)
    renamed = await desk.client.patch(url, json={"name": "Renamed"}, headers=admin)
    assert renamed.status_code == 200, renamed.text  # writable again


async def test_restore_returns_a_suspended_tenant_to_suspended(
    desk: Desk, active: Provisioning
) -> None:
    admin = desk.admin
    saga = await active()
    url = f"/tenants/{saga.tenant_id}"
    assert (await desk.client.post(f"{url}/suspend", headers=admin)).status_code == 202
    assert (await desk.client.delete(url, headers=admin)).json()[
        "status"
    ] == "OFFBOARDING_SCHEDULED"
    tenant_token = desk.own(saga.tenant_id)
    assert (await desk.client.post(f"{url}/restore", headers=tenant_token)).status_code == 403

    restored = await desk.client.post(f"{url}/restore", headers=admin)
    assert restored.json()["status"] == "SUSPENDED"
    assert await desk.status(saga.tenant_id) == "SUSPENDED"


async def test_offboard_now_exports_then_offboards_with_a_manifest(
    desk: Desk, active: Provisioning, event_tap: Any, exports_dir: Path
) -> None:
    tap = await event_tap("tenant.offboarding_requested", "tenant.offboarded")
    admin = desk.admin
    saga = await active()
    url = f"/tenants/{saga.tenant_id}"

    now = await desk.client.delete(url, params={"now": "true"}, headers=admin)
    assert now.status_code == 202, now.text
    assert now.json()["status"] == "DEPROVISIONING"
    (requested,) = await tenant_event(tap, "tenant.offboarding_requested", saga.tenant_id)
    export = requested.data.export
    assert export is not None
    assert requested.actor == ADMIN
    key = (await desk.tenant(saga.tenant_id))["key"]
    assert export.folder == f"{key}-{saga.tenant_id}/{export.export_id}"
    assert export.location == f"{exports_dir.as_uri()}/{export.folder}"
    folder = exports_dir / export.folder
    record = json.loads((folder / "tenant-api/tenant.json").read_text())
    assert (record["tenant"]["key"], record["contacts"][0]["email"]) == (
        key,
        "bill@initech.example",
    )
    invoices = json.loads((folder / "tenant-api/invoices.json").read_text())
    assert [i["amount"] for i in invoices] == ["49.00"]
    timeline = (folder / "tenant-api/timeline.jsonl").read_text().splitlines()
    assert "tenant.provisioning_requested" in [json.loads(line)["type"] for line in timeline]
    listed = (await desk.client.get(f"{url}/exports", headers=admin)).json()
    assert [(e["id"], e["status"]) for e in listed["items"]] == [(str(export.export_id), "WRITING")]

    # The provisioner's part, as it would write it into the same folder.
    theirs = folder / "provisioner/pooled/records.csv"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"id,tenant_id,payload\n")
    deprovisioned = contracts.TenantDeprovisioned.build(
        contracts.TenantDeprovisionedData(
            tenant_id=saga.tenant_id,
            resources_removed=["pooled_tenant:x"],
            export_id=export.export_id,
            exported_files=[
                contracts.ExportedFile(
                    path="provisioner/pooled/records.csv",
                    sha256=hashlib.sha256(theirs.read_bytes()).hexdigest(),
                    size=theirs.stat().st_size,
                )
            ],
        ),
        producer="provisioner",
        correlation_id=requested.correlation_id,
        causation=requested,
    )
    await saga.publish(deprovisioned, deprovisioned)

    (offboarded,) = await tenant_event(tap, "tenant.offboarded", saga.tenant_id)
    assert offboarded.data.export_location == export.location
    assert offboarded.actor == ADMIN  # inherited from the request
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert manifest["export_id"] == str(export.export_id)
    paths = sorted(f["path"] for f in manifest["files"])
    assert paths == [
        "provisioner/pooled/records.csv",
        "tenant-api/config.json",
        "tenant-api/invoices.json",
        "tenant-api/tenant.json",
        "tenant-api/timeline.jsonl",
    ]
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["size"])
    assert await desk.status(saga.tenant_id) == "OFFBOARDED"

    mine = desk.own(saga.tenant_id)
    (done,) = (await desk.client.get(f"{url}/exports", headers=mine)).json()["items"]
    assert (done["status"], done["location"]) == ("COMPLETE", export.location)
    assert done["manifest"] == f"{export.location}/MANIFEST.json"
    assert {f["path"]: f["sha256"] for f in done["files"]}["MANIFEST.json"] == hashlib.sha256(
        (folder / "MANIFEST.json").read_bytes()
    ).hexdigest()
    other = desk.own(uuid.uuid4())
    assert (await desk.client.get(f"{url}/exports", headers=other)).status_code == 404
    operator = bearer(desk.token("operator"))
    assert (await desk.client.get(f"{url}/exports", headers=operator)).status_code == 403


async def test_two_due_jobs_racing_start_each_offboarding_once(
    desk: Desk, app: FastAPI, active: Provisioning, event_tap: Any
) -> None:
    tap = await event_tap("tenant.offboarding_requested")
    admin = desk.admin
    sagas = await asyncio.gather(*(active() for _ in range(5)))
    mine = [s.tenant_id for s in sagas]
    for tenant_id in mine:
        assert (await desk.client.delete(f"/tenants/{tenant_id}", headers=admin)).status_code == 202
    await due_within_the_hour(desk.sql, mine)
    runtime: ServiceRuntime = app.state.runtime
    later = datetime.now(UTC) + timedelta(hours=2)

    async def job() -> list[uuid.UUID]:
        taken: list[uuid.UUID] = []
        while True:
            async with runtime.uow() as uow:
                started, _ = await start_due_once(uow, runtime.deps.exports, now=later, batch=1)
                await uow.commit()
            if not started:
                return taken
            taken += started

    # Job A holds its tenants (not yet committed) while job B looks: B skips them.
    async with runtime.uow() as a, runtime.uow() as b:
        took_a, _ = await start_due_once(a, runtime.deps.exports, now=later, batch=2)
        took_b, _ = await start_due_once(b, runtime.deps.exports, now=later, batch=2)
        assert took_a
        assert took_b
        assert set(took_a).isdisjoint(took_b)
        await a.commit()
        await b.commit()
    rounds = await asyncio.gather(job(), job())
    taken = [t for t in [*took_a, *took_b, *rounds[0], *rounds[1]] if t in mine]
    assert sorted(taken) == sorted(mine)  # each once, none twice
    for tenant_id in mine:
        (requested,) = await tenant_event(tap, "tenant.offboarding_requested", tenant_id)
        assert requested.actor is None  # the grace ended: nobody asked just now
        assert requested.data.export is not None
        assert await desk.status(tenant_id) == "DEPROVISIONING"


async def test_a_refused_export_changes_nothing(
    desk: Desk, app: FastAPI, active: Provisioning, event_tap: Any, exports_dir: Path
) -> None:
    tap = await event_tap("tenant.offboarding_requested")
    admin = desk.admin
    saga = await active()
    key = (await desk.tenant(saga.tenant_id))["key"]
    # A file where the tenant's export folder must go: no write can succeed, root or not.
    in_the_way = exports_dir / f"{key}-{saga.tenant_id}"
    in_the_way.parent.mkdir(parents=True, exist_ok=True)
    in_the_way.write_text("in the way")
    url = f"/tenants/{saga.tenant_id}"

    refused = assert_problem(
        await desk.client.delete(url, params={"now": "true"}, headers=admin), 503
    )
    assert "export" in refused["detail"]
    assert await desk.status(saga.tenant_id) == "ACTIVE"

    # Scheduled, then due: the job leaves it scheduled and tries again next round.
    assert (await desk.client.delete(url, headers=admin)).status_code == 202
    await due_within_the_hour(desk.sql, [saga.tenant_id])
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.uow() as uow:
        started, due = await start_due_once(
            uow, runtime.deps.exports, now=datetime.now(UTC) + timedelta(hours=2), batch=100
        )
        await uow.commit()
    assert saga.tenant_id not in started
    assert due >= 1
    assert await desk.status(saga.tenant_id) == "OFFBOARDING_SCHEDULED"
    exports = (await desk.client.get(f"{url}/exports", headers=admin)).json()
    assert exports["count"] == 0
    assert [e for e in tap.received if e.tenant_id == saga.tenant_id] == []
