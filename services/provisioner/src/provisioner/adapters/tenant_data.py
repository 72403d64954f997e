"""The tenant-data database: tenants' login roles, silo schemas, the pooled schema with row-level
security (each pooled tenant's role sees and writes only its own rows)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from uuid import UUID

import asyncpg
import structlog

from service_kit.database_urls import asyncpg_dsn
from service_kit.migrations import ensure_database

log = structlog.get_logger(__name__)

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PASSWORD = re.compile(r"[A-Za-z0-9]{16,128}")
_ROLE_EXISTS = "SELECT 1 FROM pg_roles WHERE rolname = $1"
# Advisory lock id held, in the DDL's own transaction, by everything that changes the pooled
# schema's tables, policies or grants: its setup (once, whatever the replicas), every CREATE/DROP
# POLICY, and every role's grants and DROP OWNED. DROP POLICY takes the table's lock weakly, then
# upgrades it, so two at once deadlocked; GRANTs on one table at once fail ("tuple concurrently
# updated"), since GRANT rewrites the table's catalog row without locking the table.
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
-- Only when not so yet: ALTER TABLE waits for, then blocks, every tenant's use of the table.
DO $$
BEGIN
    IF NOT (SELECT relrowsecurity AND relforcerowsecurity FROM pg_class
            WHERE oid = 'pooled.records'::regclass) THEN
        ALTER TABLE pooled.records ENABLE ROW LEVEL SECURITY;
        ALTER TABLE pooled.records FORCE ROW LEVEL SECURITY;
    END IF;
END $$;
"""
# The policies of pooled tenants provisioned before each had a role: for every role (PUBLIC),
# keyed on a session setting anyone may set. No role had grants on the table then, so they gave
# no access; next to grants to tenants' roles they would give every tenant the others' rows.
_LEGACY_POLICIES = """
SELECT policyname, format('DROP POLICY %I ON pooled.records', policyname) AS drop
FROM pg_policies
WHERE schemaname = 'pooled' AND tablename = 'records'
  AND roles = '{public}' AND qual LIKE '%app.tenant_id%'
"""
# What a pooled tenant's role may do: its rows of `pooled.records` (the policy says which); not a
# look at `pooled.tenants`, nor anything else.
_POOLED_GRANTS = """
GRANT USAGE ON SCHEMA pooled TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON pooled.records TO {role};
GRANT USAGE ON SEQUENCE pooled.records_id_seq TO {role};
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
        async with self._pooled_ddl() as conn:
            await conn.execute(_POOLED_SETUP)
            for legacy in await conn.fetch(_LEGACY_POLICIES):
                await conn.execute(legacy["drop"])
                log.warning(
                    "pooled policy of the session-setting kind dropped",
                    policy=legacy["policyname"],
                )

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

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        assert self._pool is not None, "start() first"
        async with self._pool.acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def _pooled_ddl(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction that holds the pooled schema's DDL lock until it ends."""
        async with self._transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _POOLED_DDL_LOCK)
            yield conn

    async def _exists(self, sql: str, *args: object) -> bool:
        assert self._pool is not None, "start() first"
        return bool(await self._pool.fetchval(sql, *args))

    # silo
    async def create_schema(self, schema: str) -> None:
        await self._execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")

    async def drop_schema(self, schema: str) -> None:
        await self._execute(f"DROP SCHEMA IF EXISTS {ident(schema)} CASCADE")

    async def create_silo_role(self, role: str, password: str, schema: str) -> None:
        """A login role that may use, and create in, its own schema."""
        async with self._transaction() as conn:
            await _create_role(conn, role, password)
            await conn.execute(f"GRANT USAGE, CREATE ON SCHEMA {ident(schema)} TO {ident(role)}")

    async def create_pooled_role(self, role: str, password: str) -> None:
        """A login role that may read and write `pooled.records`: the rows its policy allows."""
        async with self._pooled_ddl() as conn:
            await _create_role(conn, role, password)
            await conn.execute(_POOLED_GRANTS.format(role=ident(role)))

    async def drop_role(self, role: str) -> None:
        """Its objects and grants, then the role. Under the pooled lock: its grants may be there."""
        async with self._pooled_ddl() as conn:
            if await conn.fetchval(_ROLE_EXISTS, role):
                await conn.execute(f"DROP OWNED BY {ident(role)}")
                await conn.execute(f"DROP ROLE {ident(role)}")

    async def set_password(self, role: str, password: str) -> None:
        """A new password for an existing role; its sessions stay open (they logged in)."""
        _check_password(password)
        await self._execute(f"ALTER ROLE {ident(role)} PASSWORD '{password}'")

    async def can_log_in(self, role: str) -> bool:
        """False for a role that may not log in, or does not exist."""
        return await self._exists("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", role)

    async def refuse_login(self, role: str) -> int:
        """NOLOGIN, then end the role's open sessions in any database (a session ended before
        the ALTER could have logged in again); how many were ended."""
        assert self._pool is not None, "start() first"
        if not await self._exists(_ROLE_EXISTS, role):
            return 0
        await self._execute(f"ALTER ROLE {ident(role)} NOLOGIN")
        ended: int = await self._pool.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
            " FROM pg_stat_activity WHERE usename = $1",
            role,
        )
        return ended

    async def allow_login(self, role: str) -> None:
        if await self._exists(_ROLE_EXISTS, role):
            await self._execute(f"ALTER ROLE {ident(role)} LOGIN")

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

    async def add_policy(self, policy: str, tenant_id: UUID, role: str) -> None:
        """The tenant's role reads, changes and writes the rows of `pooled.records` with its
        tenant id, and no others. A role no policy names sees no rows; so does the table's
        owner (FORCE ROW LEVEL SECURITY), unless it is a superuser."""
        tenant = f"'{UUID(str(tenant_id))}'::uuid"
        async with self._pooled_ddl() as conn:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_policies WHERE schemaname = 'pooled' AND policyname = $1", policy
            )
            if not exists:
                await conn.execute(
                    f"CREATE POLICY {ident(policy)} ON pooled.records TO {ident(role)} "
                    f"USING (tenant_id = {tenant}) WITH CHECK (tenant_id = {tenant})"
                )

    async def drop_policy(self, policy: str) -> None:
        async with self._pooled_ddl() as conn:
            await conn.execute(f"DROP POLICY IF EXISTS {ident(policy)} ON pooled.records")


def _check_password(password: str) -> None:
    # It is written into the statement (ALTER/CREATE ROLE take no parameters).
    if not _PASSWORD.fullmatch(password):
        raise ValueError("generated password has unexpected characters")


async def _create_role(conn: asyncpg.Connection, role: str, password: str) -> None:
    _check_password(password)
    if not await conn.fetchval(_ROLE_EXISTS, role):
        await conn.execute(f"CREATE ROLE {ident(role)} LOGIN PASSWORD '{password}'")
