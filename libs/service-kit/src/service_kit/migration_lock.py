"""One migrator per service schema at a time: a PostgreSQL advisory lock around `run_env`.

Every container start (and a compose `migrate` one-shot, or a Kubernetes migration Job) runs
`alembic upgrade head`; replicas starting together would otherwise race, each reading an empty
`alembic_version` and creating the same tables. The migrator takes a session-level
`pg_advisory_lock(key)` on its migration connection before it touches the schema and releases it
after, also on failure; the others wait, then find the schema at head and do nothing. A
session-level lock needs a session of its own: migrations connect to DATABASE_DIRECT_URL, never
through a transaction-mode pooler (which could run the unlock on another server connection).

The waiters poll `pg_try_advisory_lock` between short transactions rather than block in
`pg_advisory_lock`: a blocked call keeps a snapshot open, and `CREATE INDEX CONCURRENTLY` (which
a migration may run, `migration_steps.create_index_concurrently`) waits for every transaction
with an older snapshot to end: the holder would wait for the waiters, which wait for the holder,
and PostgreSQL would end one of them as a deadlock.

The key is fixed per schema: the first 8 bytes of SHA-256 over `controlplane-migrations:<schema>`
as a signed 64-bit integer (`migration_lock_key`). Advisory locks are per database, so services
sharing one database each lock their own schema and do not wait for one another.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_NAMESPACE = "controlplane-migrations:"
# Between two attempts the waiter holds no transaction, so no snapshot a concurrent index build
# would wait for.
_RETRY_SECONDS = 0.2


def migration_lock_key(schema: str) -> int:
    """The advisory lock key of `schema`'s migrations (stable across processes and versions)."""
    digest = hashlib.sha256((_NAMESPACE + schema).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@asynccontextmanager
async def migration_lock(conn: AsyncConnection, schema: str) -> AsyncIterator[None]:
    """Hold `schema`'s migration lock on `conn` for the block (session-level: survives commits)."""
    key = migration_lock_key(schema)
    while True:
        taken = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        await conn.commit()
        if taken:
            break
        await asyncio.sleep(_RETRY_SECONDS)
    try:
        yield
    finally:
        # A failed migration leaves the transaction aborted; the unlock needs a live one. Were the
        # connection itself gone, the server would have released the lock with the session.
        await conn.rollback()
        await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        await conn.commit()
