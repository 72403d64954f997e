"""The tenant-data database: silo schemas and roles, the pooled schema with row-level security."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from uuid import UUID

import asyncpg

from service_kit.database_urls import asyncpg_dsn
from service_kit.migrations import ensure_database

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Advisory lock id held, in the DDL's own transaction, by everything that changes the pooled
# schema's tables or policies: its setup (once, whatever the replicas) and every CREATE/DROP
# POLICY. DROP POLICY takes the table's lock weakly, then upgrades it; two at once deadlocked.
_POOLED_DDL_LOCK = 7_202_611

_POOLED_SETUP = """
CREATE SCHEMA IF NOT EXISTS pooled;
CREATE TABLE IF NOT EXISTS pooled.tenants (
    tenant_id uuid PRIMARY KEY,
    key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS pooled.records (
    id bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES pooled.tenants (tenant_id) ON DELETE CASCADE,
    payload jsonb NOT NULL DEFAULT '{}'
);
ALTER TABLE pooled.records ENABLE ROW LEVEL SECURITY;
"""


def ident(name: str) -> str:
    """A quoted identifier; names are generated, but checked all the same."""
    if not _IDENT.match(name):
        raise ValueError(f"unsafe identifier {name!r}")
    return f'"{name}"'


class TenantData:
    def __init__(self, dsn: str, *, max_connections: int = 5) -> None:
        self._max_connections = max_connections
        self._dsn = dsn
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        await ensure_database(self._dsn)
        self._pool = await asyncpg.create_pool(
            asyncpg_dsn(self._dsn), min_size=1, max_size=self._max_connections
        )
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _POOLED_DDL_LOCK)
            await conn.execute(_POOLED_SETUP)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    def connection(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """A connection of the pool for the caller's own statements (an export's COPY)."""
        assert self._pool is not None, "start() first"
        return self._pool.acquire()  # type: ignore[no-any-return]

    async def _execute(self, sql: str, *args: object) -> None:
        assert self._pool is not None, "start() first"
        await self._pool.execute(sql, *args)

    async def _exists(self, sql: str, *args: object) -> bool:
        assert self._pool is not None, "start() first"
        return bool(await self._pool.fetchval(sql, *args))

    # silo
    async def create_schema(self, schema: str) -> None:
        await self._execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")

    async def drop_schema(self, schema: str) -> None:
        await self._execute(f"DROP SCHEMA IF EXISTS {ident(schema)} CASCADE")

    async def create_role(self, role: str, password: str, schema: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]{16,128}", password):
            raise ValueError("generated password has unexpected characters")
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            if not exists:
                await conn.execute(f"CREATE ROLE {ident(role)} LOGIN PASSWORD '{password}'")
            await conn.execute(f"GRANT USAGE, CREATE ON SCHEMA {ident(schema)} TO {ident(role)}")

    async def drop_role(self, role: str) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                await conn.execute(f"DROP OWNED BY {ident(role)}")
                await conn.execute(f"DROP ROLE {ident(role)}")

    async def schema_exists(self, schema: str) -> bool:
        return await self._exists("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema)

    # pooled
    async def add_pooled_tenant(self, tenant_id: UUID, key: str) -> None:
        await self._execute(
            "INSERT INTO pooled.tenants (tenant_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            tenant_id,
            key,
        )

    async def remove_pooled_tenant(self, tenant_id: UUID) -> None:
        await self._execute("DELETE FROM pooled.tenants WHERE tenant_id = $1", tenant_id)

    @asynccontextmanager
    async def _pooled_ddl(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction that holds the pooled schema's DDL lock until it ends."""
        assert self._pool is not None, "start() first"
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _POOLED_DDL_LOCK)
            yield conn

    async def add_policy(self, policy: str, tenant_id: UUID) -> None:
        """Rows of `pooled.records` are visible only with app.tenant_id set to this tenant."""
        async with self._pooled_ddl() as conn:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_policies WHERE schemaname = 'pooled' AND policyname = $1", policy
            )
            if not exists:
                await conn.execute(
                    f"CREATE POLICY {ident(policy)} ON pooled.records "
                    f"USING (tenant_id = '{UUID(str(tenant_id))}'::uuid "
                    "AND current_setting('app.tenant_id', true) = tenant_id::text)"
                )

    async def drop_policy(self, policy: str) -> None:
        async with self._pooled_ddl() as conn:
            await conn.execute(f"DROP POLICY IF EXISTS {ident(policy)} ON pooled.records")
