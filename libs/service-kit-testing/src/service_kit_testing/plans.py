"""Query plans as PostgreSQL caches them, to prove an index usable whatever the parameters."""

from __future__ import annotations

import uuid
from typing import Any


async def generic_plan(dsn: str, schema: str, statement: Any, *args: uuid.UUID | int | str) -> str:
    """EXPLAIN of a SQLAlchemy statement as a prepared statement's cached (generic) plan, with
    sequential scans discouraged: an index missing from it is one PostgreSQL could not prove
    usable whatever the parameters."""
    import asyncpg
    from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

    sql = str(statement.compile(dialect=asyncpg_dialect.dialect()))  # type: ignore[no-untyped-call]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        await conn.execute(f"PREPARE lookup AS {sql}")
        values = ", ".join(_sql_literal(a) for a in args)
        rows = await conn.fetch(
            f"EXPLAIN EXECUTE lookup({values})" if args else "EXPLAIN EXECUTE lookup"
        )
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()


def _sql_literal(value: uuid.UUID | int | str) -> str:
    if isinstance(value, uuid.UUID):
        return f"'{value}'::uuid"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"
