"""Alembic glue shared by every service: each service's env.py calls `run_env`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from service_kit.migration_lock import migration_lock
from service_kit.orm_tables import kit_metadata


def run_env(service_metadata: MetaData, *, database_url: str, schema: str) -> None:
    """Migrate the service's schema (created if missing) with its version table inside it,
    one migrator at a time (`service_kit.migration_lock`)."""
    url = context.config.attributes.get("database_url", database_url)

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=[service_metadata, kit_metadata],
            version_table_schema=schema,
            include_name=lambda name, kind, _parent: (
                not (kind == "table" and name == "alembic_version")
            ),
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn, migration_lock(conn, schema):
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                await conn.execute(text(f'SET search_path TO "{schema}"'))
                await conn.commit()
                await conn.run_sync(migrate)
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def upgrade(service_dir: Path, database_url: str, revision: str = "head") -> None:
    """Programmatic `alembic upgrade` for one service (blocking: call it off the event loop)."""
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    config.attributes["database_url"] = database_url
    command.upgrade(config, revision)


async def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL if it does not exist; True if it was created."""
    url = make_url(database_url)
    name = url.database
    assert name, "the database URL names no database"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(admin)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            # Another replica starting at the same moment created it between the two
            # statements (PostgreSQL reports that race as a catalog unique violation).
            return False
        return True
    finally:
        await conn.close()


async def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        await conn.close()


def create_kit_tables() -> None:
    """For a service's first migration: the kit's outbox and inbox, in the service's schema."""
    kit_metadata.create_all(bind=context.get_bind())


def drop_kit_tables() -> None:
    kit_metadata.drop_all(bind=context.get_bind())


def create_retention_indexes() -> None:
    """For services migrated before the kit's tables had them: the indexes the retention job's
    deletes use (a database migrated from scratch already has them from `create_kit_tables`)."""
    op.create_index(
        "outbox_published_idx",
        "outbox",
        ["published_at"],
        postgresql_where=text("published_at IS NOT NULL"),
        if_not_exists=True,
    )
    op.create_index("inbox_processed_idx", "inbox", ["processed_at"], if_not_exists=True)


def drop_retention_indexes() -> None:
    op.drop_index("inbox_processed_idx", table_name="inbox", if_exists=True)
    op.drop_index("outbox_published_idx", table_name="outbox", if_exists=True)
