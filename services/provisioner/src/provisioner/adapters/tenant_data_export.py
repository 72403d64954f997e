"""A tenant's data written out of the tenant-data database, before anything is removed.

A silo schema: each table as CSV with a header (COPY), and `schema.sql`, its DDL rebuilt from
the catalogue (no pg_dump on the path): sequences, tables with their columns, defaults and
NOT NULL, constraints, then the other indexes. Views, functions, triggers, grants and sequence
positions are not in it. A pooled tenant: its own rows of `pooled.records`, and no one else's.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service_kit.exports import ExportStore
from shared_schemas.events import ExportedFile

_TABLES = """
SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname
"""
_SEQUENCES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = 'S' ORDER BY c.relname
"""
_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
WHERE conrelid = $1 AND contype IN ('p', 'u', 'c', 'f', 'x')
ORDER BY contype = 'f', conname
"""
_INDEXES = """
SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
WHERE i.indrelid = $1
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY i.indexrelid
"""
_POOLED_ROWS = "SELECT id, tenant_id, payload FROM pooled.records WHERE tenant_id = $1 ORDER BY id"


def quoted(name: str) -> str:
    """Any catalogue name as an SQL identifier (tables are the tenant's, named as it chose)."""
    return '"' + name.replace('"', '""') + '"'


def _file_name(name: str) -> str:
    # A table's name as one path segment: nothing that could climb or split the path.
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".") or "_"


async def export_schema(
    conn: asyncpg.Connection,
    store: ExportStore,
    folder: str,
    schema: str,
    written: list[ExportedFile],
) -> None:
    """`provisioner/<schema>/schema.sql` and one `<table>.csv` per table, in one snapshot."""
    base = f"provisioner/{_file_name(schema)}"
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        tables = await conn.fetch(_TABLES, schema)
        ddl = await _schema_ddl(conn, schema, tables)
        await store.put(folder, f"{base}/schema.sql", ddl.encode(), written)
        for table in tables:
            async with store.writer(
                folder, f"{base}/{_file_name(table['relname'])}.csv", written
            ) as out:
                await conn.copy_from_table(
                    table["relname"],
                    schema_name=schema,
                    output=out.write,
                    format="csv",
                    header=True,
                )


async def export_pooled(
    conn: asyncpg.Connection,
    store: ExportStore,
    folder: str,
    tenant_id: UUID,
    written: list[ExportedFile],
) -> None:
    """`provisioner/pooled/records.csv`: the tenant's rows of the shared table only."""
    async with store.writer(folder, "provisioner/pooled/records.csv", written) as out:
        await conn.copy_from_query(
            _POOLED_ROWS, tenant_id, output=out.write, format="csv", header=True
        )


async def _schema_ddl(conn: asyncpg.Connection, schema: str, tables: list[asyncpg.Record]) -> str:
    lines = [f"-- The tables of schema {schema}, rebuilt from the catalogue.", ""]
    lines.append(f"CREATE SCHEMA IF NOT EXISTS {quoted(schema)};")
    for sequence in await conn.fetch(_SEQUENCES, schema):
        lines.append(
            f"CREATE SEQUENCE IF NOT EXISTS {quoted(schema)}.{quoted(sequence['relname'])};"
        )
    later: list[str] = []
    for table in tables:
        name = f"{quoted(schema)}.{quoted(table['relname'])}"
        columns = []
        for column in await conn.fetch(_COLUMNS, table["oid"]):
            text = f"    {quoted(column['attname'])} {column['type']}"
            if column["default_expr"] is not None:
                text += f" DEFAULT {column['default_expr']}"
            if column["attnotnull"]:
                text += " NOT NULL"
            columns.append(text)
        lines += ["", f"CREATE TABLE {name} (", ",\n".join(columns), ");"]
        for constraint in await conn.fetch(_CONSTRAINTS, table["oid"]):
            later.append(
                f"ALTER TABLE {name} ADD CONSTRAINT {quoted(constraint['conname'])} "
                f"{constraint['definition']};"
            )
        later += [f"{index['definition']};" for index in await conn.fetch(_INDEXES, table["oid"])]
    return "\n".join([*lines, "", *later, ""])
