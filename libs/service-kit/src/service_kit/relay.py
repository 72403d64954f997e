"""The outbox relay: publishes committed events, wakes on NOTIFY, safe to run many times over."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from opentelemetry.trace import SpanKind
from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit import metrics, tracing
from service_kit.broker import Broker
from service_kit.orm_tables import outbox_table
from service_kit.outbox import notify_channel
from service_kit.settings import ServiceSettings

log = structlog.get_logger(__name__)

_MAX_BACKOFF = timedelta(seconds=60)


class OutboxRelay:
    def __init__(
        self,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        broker: Broker,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._broker = broker
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._broker_returned = False

    async def run(self) -> None:
        """Publish until cancelled. A NOTIFY after commit wakes it; polling is the safety net;
        the broker coming back wakes it too, with every backoff cut short."""
        log.info("outbox relay started")
        self._broker.add_reconnect_listener(self.broker_returned)
        try:
            while True:
                await self._ensure_listener()
                if self._broker_returned:
                    self._broker_returned = False
                    await self.release_backoff()
                _, full = await self.publish_pending()
                if full:
                    continue  # more rows are waiting right now
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that lands as the wait ends, and the relay would then never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._settings.outbox_poll_interval):
                        await self._wake.wait()
                self._wake.clear()
        finally:
            self._broker.remove_reconnect_listener(self.broker_returned)
            await self._close_listener()

    def broker_returned(self) -> None:
        """The broker is back: rows that failed while it was away need not wait out their
        backoff, which only guards against a broker that keeps refusing them."""
        self._broker_returned = True
        self._wake.set()

    async def release_backoff(self) -> int:
        """Make every unpublished row waiting on its backoff due now; return how many."""
        async with self._sessions() as session, session.begin():
            released = await session.execute(
                update(outbox_table)
                .where(outbox_table.c.published_at.is_(None))
                .where(outbox_table.c.next_attempt_at > func.now())
                .values(next_attempt_at=None)
            )
        count = int(getattr(released, "rowcount", 0) or 0)
        if count:
            log.info("broker back; outbox rows due now", rows=count)
        return count

    async def publish_pending(self) -> tuple[int, bool]:
        """Publish one batch; return (published, batch was full)."""
        batch = self._settings.outbox_batch_size
        async with self._sessions() as session, session.begin():
            # SKIP LOCKED: several relays split the rows between them instead of double-sending.
            rows = (
                await session.execute(
                    select(outbox_table)
                    .where(outbox_table.c.published_at.is_(None))
                    .where(
                        outbox_table.c.next_attempt_at.is_(None)
                        | (outbox_table.c.next_attempt_at <= func.now())
                    )
                    .order_by(outbox_table.c.created_at)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                await self._record_backlog(session)
                return 0, False
            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            now = datetime.now(UTC)
            sent = [row.id for row, res in zip(rows, results, strict=True) if res is None]
            if sent:
                await session.execute(
                    update(outbox_table)
                    .where(outbox_table.c.id.in_(sent))
                    .values(published_at=now, attempts=outbox_table.c.attempts + 1)
                )
            for row, res in zip(rows, results, strict=True):
                if isinstance(res, BaseException):
                    await self._record_failure(session, row.id, row.attempts, res, now)
                else:
                    metrics.EVENTS_PUBLISHED.labels(row.event_type).inc()
            await self._record_backlog(session)
        return len(sent), len(rows) == batch and len(sent) == len(rows)

    async def _publish(self, row: Row[Any]) -> None:
        headers = dict(row.headers)
        if "traceparent" not in headers:
            await self._broker.publish(
                row.payload, routing_key=row.routing_key, headers=headers, message_id=str(row.id)
            )
            return
        # A short PRODUCER span under the writer's; consumers continue from this one.
        with tracing.span(
            f"publish {row.event_type}",
            kind=SpanKind.PRODUCER,
            parent=tracing.extract(headers),
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "send",
                "messaging.destination.name": self._settings.events_exchange,
                "messaging.rabbitmq.destination.routing_key": row.routing_key,
                "messaging.message.id": str(row.id),
            },
        ):
            tracing.inject(headers)
            await self._broker.publish(
                row.payload, routing_key=row.routing_key, headers=headers, message_id=str(row.id)
            )

    async def _record_failure(
        self,
        session: AsyncSession,
        row_id: object,
        attempts: int,
        error: BaseException,
        now: datetime,
    ) -> None:
        delay = min(timedelta(seconds=2**attempts), _MAX_BACKOFF)
        log.warning("outbox publish failed", event_id=str(row_id), error=repr(error))
        metrics.OUTBOX_PUBLISH_FAILURES.inc()
        await session.execute(
            update(outbox_table)
            .where(outbox_table.c.id == row_id)
            .values(
                attempts=attempts + 1, last_error=repr(error)[:2000], next_attempt_at=now + delay
            )
        )

    async def _record_backlog(self, session: AsyncSession) -> None:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(outbox_table.c.created_at)).where(
                    outbox_table.c.published_at.is_(None)
                )
            )
        ).one()
        metrics.OUTBOX_BACKLOG.set(count)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        metrics.OUTBOX_OLDEST_AGE.set(age)

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            # The server itself: through a transaction-mode pooler LISTEN would never hear.
            self._listener = await asyncpg.connect(self._settings.asyncpg_direct_dsn)
            await self._listener.add_listener(
                notify_channel(self._settings.db_schema), lambda *_: self._wake.set()
            )
        except (OSError, asyncpg.PostgresError) as exc:
            # Without LISTEN the relay still works, only at the polling interval.
            log.warning("outbox listener unavailable; polling", error=repr(exc))
            self._listener = None

    async def _close_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
        self._listener = None
