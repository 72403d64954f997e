"""Query plans as PostgreSQL caches them, to prove an index usable whatever the parameters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from service_kit_testing.infra import TestInfra

Value = uuid.UUID | int | str | datetime


async def generic_plan(dsn: str, schema: str, statement: Any, *args: Value) -> str:
    """EXPLAIN of a SQLAlchemy statement as a prepared statement's cached (generic) plan, with
    sequential scans discouraged: an index missing from it is one PostgreSQL could not prove
    usable whatever the parameters."""
    return await _explain(dsn, schema, statement, args, "force_generic_plan", seqscan=False)


@dataclass(frozen=True)
class CachedPlans:
    """One statement's plans: the cached one, made without its parameters' values, and one
    made for them."""

    generic: str
    custom: str

    def assert_use(self, index: str) -> None:
        """Both plans read `index`, and neither scans a whole table."""
        for kind, plan in (("generic", self.generic), ("custom", self.custom)):
            assert index in plan, f"the {kind} plan does not use {index}:\n{plan}"
            assert "Seq Scan" not in plan, f"the {kind} plan scans a whole table:\n{plan}"


async def cached_plans(dsn: str, schema: str, statement: Any, *args: Value) -> CachedPlans:
    """The generic and a custom plan of a SQLAlchemy statement, at the planner's ordinary costs
    (sequential scans allowed): on tables seeded large, an index in them is one PostgreSQL
    prefers to reading everything, not one it was pushed to."""
    generic = await _explain(dsn, schema, statement, args, "force_generic_plan", seqscan=True)
    custom = await _explain(dsn, schema, statement, args, "force_custom_plan", seqscan=True)
    return CachedPlans(generic, custom)


@asynccontextmanager
async def plan_database(
    service_dir: Path, infra: TestInfra, label: str, *, schema: str, seed: str, tables: list[str]
) -> AsyncIterator[str]:
    """A database of the run's own for seeding large tables (the suite's shared one stays
    small), migrated to the service's head, `seed` run in `schema` and `tables` vacuumed and
    analysed; its asyncpg DSN. Dropped when the block ends."""
    import asyncpg

    from service_kit.migrations import drop_database, ensure_database, upgrade

    url = make_url(infra.database_url)
    url = url.set(database=f"{url.database}_{label}")
    database_url = url.render_as_string(hide_password=False)
    await ensure_database(database_url)
    try:
        await asyncio.to_thread(upgrade, service_dir, database_url)
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
        try:
            await conn.execute(seed)
            await conn.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        finally:
            await conn.close()
        yield dsn
    finally:
        await drop_database(database_url)


async def _explain(
    dsn: str, schema: str, statement: Any, args: tuple[Value, ...], mode: str, *, seqscan: bool
) -> str:
    import asyncpg
    from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

    sql = str(statement.compile(dialect=asyncpg_dialect.dialect()))  # type: ignore[no-untyped-call]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.execute(f"SET plan_cache_mode = {mode}")
        if not seqscan:
            await conn.execute("SET enable_seqscan = off")
        await conn.execute(f"PREPARE lookup AS {sql}")
        values = ", ".join(_sql_literal(a) for a in args)
        rows = await conn.fetch(
            f"EXPLAIN EXECUTE lookup({values})" if args else "EXPLAIN EXECUTE lookup"
        )
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()


def _sql_literal(value: Value) -> str:
    if isinstance(value, uuid.UUID):
        return f"'{value}'::uuid"
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"
