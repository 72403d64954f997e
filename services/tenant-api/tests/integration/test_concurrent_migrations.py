"""Replicas starting together all run `alembic upgrade head`: one migrates, the rest wait for it
and find the schema at head (the advisory lock of `service_kit.migration_lock`)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import make_url

from service_kit.migrations import drop_database, ensure_database
from service_kit.orm_tables import kit_metadata
from service_kit_testing import TestInfra
from tenant_api.adapters.orm import metadata
from tenant_api.settings import TenantApiSettings

SERVICE_DIR = Path(__file__).resolve().parents[2]
MIGRATORS = 4
# A cold interpreter imports the whole service before it connects; all four share one machine.
MIGRATION_SECONDS = 120.0


async def _migrate(env: dict[str, str], log: Path) -> int:
    """`alembic upgrade head` as the container's start runs it, in a process of its own."""
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(SERVICE_DIR / "alembic.ini"),
            "upgrade",
            "head",
            env=env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            return await asyncio.wait_for(process.wait(), MIGRATION_SECONDS)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_replicas_migrating_at_once_all_succeed_and_leave_one_head(
    infra: TestInfra, tmp_path: Path
) -> None:
    url = (
        make_url(infra.database_url)
        .set(database=f"cp_test_{infra.run_id}_migrators")
        .render_as_string(hide_password=False)
    )
    schema = TenantApiSettings.model_fields["db_schema"].default
    assert schema == "tenant_api", "the version query below names the schema"
    env = {**os.environ, **infra.env, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    logs = [tmp_path / f"migrator-{n}.log" for n in range(MIGRATORS)]
    try:
        await ensure_database(url)
        codes = await asyncio.gather(*(_migrate(env, log) for log in logs))
        output = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in logs)
        assert codes == [0] * MIGRATORS, output

        head = ScriptDirectory.from_config(
            Config(str(SERVICE_DIR / "alembic.ini"))
        ).get_current_head()
        conn = await asyncpg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            versions = await conn.fetch("SELECT version_num FROM tenant_api.alembic_version")
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema
            )
        finally:
            await conn.close()
        assert [row["version_num"] for row in versions] == [head]
        expected = {table.name for table in (*metadata.sorted_tables, *kit_metadata.sorted_tables)}
        assert expected <= {row["tablename"] for row in tables}
    finally:
        await drop_database(url)
