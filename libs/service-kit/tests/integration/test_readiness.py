"""Readiness says "ok" for the database only where it can write: a read-only session (a standby,
or a primary demoted under the service) answers SELECT 1 but would refuse every write."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from service_kit.migrations import drop_database, ensure_database
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings


@pytest.fixture
async def read_only_database(kit_settings: ServiceSettings) -> AsyncIterator[str]:
    """A database of this test's own whose sessions are read-only, as on a hot standby."""
    name = f"{make_url(kit_settings.database_url).database}_ro_{uuid.uuid4().hex[:6]}"
    url = make_url(kit_settings.database_url).set(database=name)
    rendered = url.render_as_string(hide_password=False)
    await ensure_database(rendered)
    admin = await asyncpg.connect(kit_settings.asyncpg_dsn)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    finally:
        await admin.close()
    try:
        yield rendered
    finally:
        await drop_database(rendered)


async def test_a_read_only_database_is_not_ready(
    kit_settings: ServiceSettings, read_only_database: str
) -> None:
    writable = kit_runtime(kit_settings, run_relay=False)
    read_only = kit_runtime(
        kit_settings.model_copy(update={"database_url": read_only_database}), run_relay=False
    )
    await writable.start()
    await read_only.start()
    try:
        assert await writable.readiness() == {"database": "ok", "broker": "ok"}
        assert await read_only.readiness() == {"database": "read-only", "broker": "ok"}
    finally:
        await read_only.stop()
        await writable.stop()
