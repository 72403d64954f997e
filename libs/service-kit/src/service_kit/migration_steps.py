"""Reversible migration steps: a revision lists what it does once, and its downgrade undoes
the same steps, newest first, so that the two cannot disagree.

    upgrade, downgrade = reversible(
        create_table("runs", lambda: (key("id"), stamped("created_at"))),
        create_index("runs_created_idx", "runs", ["created_at"]),
    )

Columns come from a function, not as objects: a column belongs to the one table it was
added to, and a process may run the same revision against many databases (the tests do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from service_kit.migrations import create_kit_tables, drop_kit_tables

Migration = Callable[[], None]


@dataclass(frozen=True)
class Step:
    """One change of a revision and what undoes it."""

    # What they return (alembic's ops return what they made) is of no use to a revision.
    apply: Callable[[], object]
    undo: Callable[[], object]


def reversible(*steps: Step) -> tuple[Migration, Migration]:
    """A revision's `upgrade` and `downgrade`: the steps in order, then undone in reverse."""

    def upgrade() -> None:
        for step in steps:
            step.apply()

    def downgrade() -> None:
        for step in reversed(steps):
            step.undo()

    return upgrade, downgrade


def create_table(name: str, items: Callable[[], Iterable[SchemaItem]]) -> Step:
    """A new table of the columns and constraints `items` builds."""
    return Step(lambda: op.create_table(name, *items()), lambda: op.drop_table(name))


def add_column(table: str, column: Callable[[], sa.Column[Any]]) -> Step:
    """A new column of `table`, which `column` builds."""
    name = column().name
    return Step(lambda: op.add_column(table, column()), lambda: op.drop_column(table, name))


def create_index(
    name: str,
    table: str,
    columns: Sequence[str | sa.TextClause],
    *,
    where: str | None = None,
    unique: bool = False,
) -> Step:
    """An index, or a partial one over the rows `where` holds."""
    options: dict[str, Any] = {} if where is None else {"postgresql_where": sa.text(where)}
    return Step(
        lambda: op.create_index(name, table, list(columns), unique=unique, **options),
        lambda: op.drop_index(name, table_name=table),
    )


def drop_index(name: str, table: str, columns: Sequence[str | sa.TextClause]) -> Step:
    """An index a later one replaces; undone, it is made again over `columns`."""
    undone = create_index(name, table, columns)
    return Step(undone.undo, undone.apply)


def create_unique_constraint(name: str, table: str, columns: Sequence[str]) -> Step:
    return Step(
        lambda: op.create_unique_constraint(name, table, list(columns)),
        lambda: op.drop_constraint(name, table, type_="unique"),
    )


def create_foreign_key(
    name: str, table: str, referent: str, columns: Sequence[str], remote: Sequence[str]
) -> Step:
    return Step(
        lambda: op.create_foreign_key(name, table, referent, list(columns), list(remote)),
        lambda: op.drop_constraint(name, table, type_="foreignkey"),
    )


def kit_tables() -> Step:
    """The kit's outbox and inbox, as every service's first revision makes them."""
    return Step(create_kit_tables, drop_kit_tables)


def execute(sql: str) -> Step:
    """Data that moves with the schema on the way up; the way down has nothing to put back."""
    return Step(lambda: op.execute(sql), lambda: None)


def create_index_concurrently(
    name: str,
    table: str,
    columns: Sequence[str | sa.TextClause],
    *,
    where: str | None = None,
) -> Step:
    """An index built without blocking writes (`CREATE INDEX CONCURRENTLY`), for a table that
    may already be large: a plain build holds off every insert and update until it ends.

    It runs outside the revision's transaction (autocommit), so it first drops what a build
    that failed half-way left (an invalid index of the same name)."""
    options: dict[str, Any] = {} if where is None else {"postgresql_where": sa.text(where)}

    def build() -> None:
        with op.get_context().autocommit_block():
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
            op.create_index(name, table, list(columns), postgresql_concurrently=True, **options)

    def drop() -> None:
        with op.get_context().autocommit_block():
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)

    return Step(build, drop)


def drop_index_concurrently(name: str, table: str, columns: Sequence[str | sa.TextClause]) -> Step:
    """An index a later one replaces, dropped without blocking writes; undone, built again."""
    undone = create_index_concurrently(name, table, columns)
    return Step(undone.undo, undone.apply)


def autovacuum(table: str, **settings: float | int) -> Step:
    """Per-table autovacuum settings (`autovacuum_vacuum_scale_factor=0.01`, ...) in place of
    the server's defaults; undone, the defaults again."""
    pairs = ", ".join(f"autovacuum_{name} = {value}" for name, value in settings.items())
    names = ", ".join(f"autovacuum_{name}" for name in settings)
    return Step(
        lambda: op.execute(f'ALTER TABLE "{table}" SET ({pairs})'),
        lambda: op.execute(f'ALTER TABLE "{table}" RESET ({names})'),
    )


def kit_tables_autovacuum() -> tuple[Step, Step]:
    """The outbox's and the inbox's autovacuum settings (every service's, alike).

    With the server's defaults a table is vacuumed once a fifth of it is dead: on a million-row
    outbox, 200,000 published rows whose old versions the relay's poll steps over in the
    pending index until then. A hundredth (plus a thousand, so that small tables are not
    vacuumed for every few rows) keeps that to some thousands. The inbox only grows until
    retention deletes: its inserts count too, so its visibility map (index-only lookups of
    "seen before?") keeps up."""
    return (
        autovacuum("outbox", vacuum_scale_factor=0.01, vacuum_threshold=1000),
        autovacuum(
            "inbox",
            vacuum_scale_factor=0.01,
            vacuum_threshold=1000,
            vacuum_insert_scale_factor=0.01,
            vacuum_insert_threshold=1000,
        ),
    )
