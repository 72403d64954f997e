"""PostgreSQL's own time for the statements a call sent: captured as the service's code sends
them, then each prepared, executed as often as the service's cached statement would have been
by then, and run once more under EXPLAIN (ANALYZE, BUFFERS) on the plan PostgreSQL then uses."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.growth.timing import WARM_UP

Statement = tuple[str, Sequence[Any]]


@contextlib.contextmanager
def captured(engine: AsyncEngine) -> Iterator[list[Statement]]:
    """The (SQL, parameters) the engine sends while the block runs."""
    found: list[Statement] = []

    def record(*args: Any) -> None:
        _conn, _cursor, statement, parameters, _context, _many = args
        found.append((statement, tuple(parameters or ())))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def literal(value: Any) -> str:
    """A parameter as SQL text of unknown type, which PostgreSQL casts to the parameter's."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        inner = ",".join('"' + str(v).replace('"', '\\"') + '"' for v in value)
        return "'{" + inner.replace("'", "''") + "}'"
    if isinstance(value, datetime | UUID):
        value = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _scans(node: dict[str, Any]) -> list[str]:
    """The plan's scan nodes, e.g. "Seq Scan on resources", "Index Scan using x on y"."""
    found = []
    kind = node.get("Node Type", "")
    if "Scan" in kind and "Relation Name" in node:
        index = f" using {node['Index Name']}" if "Index Name" in node else ""
        found.append(f"{kind}{index} on {node['Relation Name']}")
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def explain(dsn: str, schema: str, statements: Sequence[Statement]) -> dict[str, Any]:
    """Each statement's planning and execution time on the plan a cached statement would use
    (rolled back: a statement that writes or locks changes nothing), and their sum."""
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    found = []
    try:
        for number, (sql, parameters) in enumerate(statements):
            name = f"growth_{number}"
            arguments = f"({', '.join(literal(p) for p in parameters)})" if parameters else ""
            transaction = conn.transaction()
            await transaction.start()
            try:
                await conn.execute(f"PREPARE {name} AS {sql}")
                for _ in range(WARM_UP):
                    await conn.execute(f"EXECUTE {name}{arguments}")
                plan = json.loads(
                    await conn.fetchval(
                        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name}{arguments}"
                    )
                )[0]
            finally:
                await transaction.rollback()
            found.append(
                {
                    "sql": " ".join(sql.split())[:300],
                    "planning_ms": plan.get("Planning Time", 0.0),
                    "execution_ms": plan["Execution Time"],
                    "scans": _scans(plan["Plan"]),
                    "shared_blocks": plan["Plan"].get("Shared Hit Blocks", 0)
                    + plan["Plan"].get("Shared Read Blocks", 0),
                }
            )
    finally:
        await conn.close()
    total = sum(s["planning_ms"] + s["execution_ms"] for s in found)
    return {"server_ms": round(total, 3), "statements": found}
