"""How a service's connections reach its schema, straight to PostgreSQL or through a
transaction-mode pooler (DATABASE_POOLING; docs/operations.md#connections).

`direct`: the schema is a startup parameter (`search_path` in the startup packet), and asyncpg
keeps each connection's statements prepared under its own names, parsed once per connection.

`transaction` (PgBouncer `pool_mode = transaction`, CloudNativePG's Pooler): every transaction may
run on another server connection, shared with other clients.
- PgBouncer refuses a `search_path` startup parameter, and a session `SET` would stay on a server
  connection that other clients then use. The schema comes from the service's database role
  instead (`ALTER ROLE … IN DATABASE … SET search_path`), which PostgreSQL applies to every
  server connection the pooler opens for that role; `check_lands_in_schema` refuses to start
  when it does not.
- A named prepared statement lives on one server connection: asyncpg's cache would find it
  missing on the next one, or meet a statement of that name another client prepared there.
  Statements are therefore unnamed and parsed again when executed, in the same round trip as
  their execution. Unnamed rather than uniquely named: a named statement would stay on its
  server connection until that closes (the close asyncpg sends later may reach another one).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

Pooling = Literal["direct", "transaction"]


class SchemaNotReached(RuntimeError):
    """Under a transaction-mode pooler, the service's connections resolve names elsewhere."""


def asyncpg_connect_args(schema: str, pooling: Pooling) -> dict[str, Any]:
    """Keyword arguments for asyncpg's `connect`/`create_pool` (DATABASE_URL's connections)."""
    if pooling == "direct":
        return {"server_settings": {"search_path": schema, "application_name": schema}}
    # application_name is one of the parameters PgBouncer accepts and keeps per client.
    return {"server_settings": {"application_name": schema}, "statement_cache_size": 0}


def engine_connect_args(schema: str, pooling: Pooling) -> dict[str, Any]:
    """`connect_args` of the SQLAlchemy engine: asyncpg's, plus the dialect's own statement cache
    off and its statements unnamed."""
    args = asyncpg_connect_args(schema, pooling)
    if pooling == "transaction":
        args |= {"prepared_statement_cache_size": 0, "prepared_statement_name_func": _unnamed}
    return args


def _unnamed() -> str:
    return ""


async def check_lands_in_schema(engine: AsyncEngine, schema: str) -> None:
    """Refuse to run when a connection through the pooler resolves names outside `schema`."""
    async with engine.connect() as conn:
        found, user = (await conn.execute(text("SELECT current_schema(), current_user"))).one()
    if found != schema:
        raise SchemaNotReached(
            f"DATABASE_POOLING=transaction: connections through DATABASE_URL resolve names in "
            f"schema {found!r}, not {schema!r}. Give this service a database role of its own "
            f'and run, as an administrator: ALTER ROLE "{user}" IN DATABASE <database> SET '
            f'search_path = "{schema}" (docs/operations.md#connections)'
        )
