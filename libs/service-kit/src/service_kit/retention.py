"""Retention: a background job that deletes rows past their keep-time, in small batches.

Each service registers the tables it owns (the kit adds its outbox and inbox). A round deletes
up to `RETENTION_BATCH_SIZE` rows per statement until a table has nothing left to prune, then
sleeps `RETENTION_INTERVAL` seconds. Safe with any number of replicas: each statement locks the
rows it deletes with SKIP LOCKED, so two pruners never pick the same row, and each counts only
what it deleted itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy import ColumnElement, Table, any_, delete, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.orm_tables import inbox_table, outbox_table
from service_kit.settings import ServiceSettings

log = structlog.get_logger(__name__)

PRUNED = Counter("retention_pruned_total", "Rows deleted by the retention job", ["table"])

_DAY = 86400.0


@dataclass(frozen=True)
class RetentionRule:
    """Rows of `table` whose `age_column` is older than `keep_for` (and match `only`) go."""

    table: Table
    age_column: str
    keep_for: timedelta
    only: Callable[[Table], ColumnElement[bool]] | None = None

    def statement(self, *, cutoff: datetime, batch: int) -> Any:
        # By ctid, on rows locked in this very statement: a Tid Scan, and no row twice.
        ctid: ColumnElement[Any] = literal_column("ctid")
        age = self.table.c[self.age_column]
        victims = (
            select(ctid)
            .select_from(self.table)
            .where(age < cutoff)
            .order_by(age)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        if self.only is not None:
            victims = victims.where(self.only(self.table))
        return delete(self.table).where(ctid == any_(func.array(victims.scalar_subquery())))


def days(value: float) -> timedelta:
    return timedelta(seconds=value * _DAY)


def kit_rules(settings: ServiceSettings) -> list[RetentionRule]:
    """The kit's own tables: published outbox rows, and inbox rows (see the settings' rule)."""
    return [
        # published_at < cutoff is never true for an unpublished row (NULL).
        RetentionRule(outbox_table, "published_at", days(settings.outbox_retention_days)),
        RetentionRule(inbox_table, "processed_at", days(settings.inbox_retention_days)),
    ]


async def prune_table(
    sessions: async_sessionmaker[AsyncSession], rule: RetentionRule, *, now: datetime, batch: int
) -> int:
    """Delete one batch of `rule`'s expired rows in a transaction of its own; how many went."""
    async with sessions() as session, session.begin():
        result = await session.execute(rule.statement(cutoff=now - rule.keep_for, batch=batch))
    deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if deleted:
        PRUNED.labels(rule.table.name).inc(deleted)
    return deleted


async def prune_round(
    sessions: async_sessionmaker[AsyncSession],
    rules: Sequence[RetentionRule],
    *,
    batch: int,
    now: datetime | None = None,
) -> dict[str, int]:
    """Prune every table until it has nothing expired left; rows deleted, by table."""
    at = now or datetime.now(UTC)
    pruned: dict[str, int] = {}
    for rule in rules:
        total = 0
        while True:
            deleted = await prune_table(sessions, rule, now=at, batch=batch)
            total += deleted
            if deleted < batch:
                break
        if total:
            pruned[rule.table.name] = total
    if pruned:
        log.info("retention pruned", pruned=pruned)
    return pruned


class Pruner:
    """The periodic job each service runs in its lifespan, next to its outbox relay."""

    def __init__(
        self,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        rules: Sequence[RetentionRule],
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._rules = list(rules)

    async def run(self) -> None:
        """A round every RETENTION_INTERVAL seconds, until cancelled."""
        while True:
            await prune_round(
                self._sessions, self._rules, batch=self._settings.retention_batch_size
            )
            await asyncio.sleep(self._settings.retention_interval)
