"""Plain SQL against a service's database, for tests that look at (or arrange) its rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

SqlRunner = Callable[..., Awaitable[list[Any]]]
"""`await sql("SELECT … WHERE id = :id", id=…)`: the rows (none for a statement without)."""


def sql_runner(database_url: str) -> SqlRunner:
    """Each call runs one statement in a transaction of its own, on an engine of its own."""

    async def run(statement: str, **params: Any) -> list[Any]:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return run
