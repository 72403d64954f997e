"""Group commit: deliveries that wait together share one transaction.

A consumer whose handlers only write to its database (no mail, no HTTP, no rollback of their
own) may hand its deliveries here. They are handled one after another in arrival order; those
that arrived while the previous transaction was running go into the next one together, up to
`CONSUMER_BATCH_SIZE`. So an idle consumer handles each delivery at once, alone, and a busy one
pays one BEGIN, one COMMIT and one session for many deliveries instead of one each.

Each delivery is still its own inbox row and its own handler call, run in the delivery's own
context (its span, its log fields). If anything in a shared transaction fails, the transaction
is rolled back whole and each of its deliveries runs again alone, so a failing event is retried
or dead-lettered by itself and never takes its neighbours with it.

A shared transaction holds its row locks until its last delivery is done, so two of them (of
two consumers, or two replicas) can lock the same rows in opposite orders. PostgreSQL finds
such a deadlock only after `deadlock_timeout` (1 s by default); a shared transaction waits at
most `LOCK_WAIT` for a lock instead, then gives up and its deliveries run alone, as before.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy import text

from service_kit import metrics
from service_kit.db import UowT
from service_kit.inbox import Handler, handle_once
from shared_schemas import Envelope

log = structlog.get_logger(__name__)

T = TypeVar("T")
LOCK_WAIT = "200ms"
_LOCK_WAIT = text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")


@dataclass
class _Delivery(Generic[UowT]):
    event: Envelope
    handler: Handler[UowT]
    context: contextvars.Context
    outcome: asyncio.Future[bool]  # True: handled now; False: a duplicate (inbox)


class GroupCommit(Generic[UowT]):
    def __init__(self, uow_factory: Callable[[], UowT], consumer: str, max_size: int) -> None:
        self._uow_factory = uow_factory
        self._consumer = consumer
        self._max_size = max_size
        self._waiting: list[_Delivery[UowT]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._base_context = contextvars.copy_context()  # the service's, taken at start

    async def run(self, event: Envelope, handler: Handler[UowT]) -> bool:
        """Handle `event` and commit: True once its effects are committed, False if the inbox
        says it was handled before. Raises what its handler (or the commit) raised."""
        delivery = _Delivery(
            event,
            handler,
            contextvars.copy_context(),
            asyncio.get_running_loop().create_future(),
        )
        self._waiting.append(delivery)
        if self._drainer is None:
            # Not in this delivery's context: the group's own log lines are not about it.
            self._drainer = asyncio.create_task(
                self._drain(), name=f"{self._consumer}-commits", context=self._base_context.copy()
            )
        return await delivery.outcome

    async def _drain(self) -> None:
        try:
            while self._waiting:
                # Deliveries handed over in this same turn of the loop join the first group.
                await asyncio.sleep(0)
                group = [d for d in self._waiting[: self._max_size] if not d.outcome.done()]
                del self._waiting[: self._max_size]
                if len(group) > 1 and await self._together(group):
                    continue
                for delivery in group:
                    await self._alone(delivery)
        finally:
            self._drainer = None

    async def _together(self, group: list[_Delivery[UowT]]) -> bool:
        try:
            async with self._uow_factory() as uow:
                await uow.session.execute(_LOCK_WAIT)
                fresh = [await self._in_context(d, self._apply(d, uow)) for d in group]
                await uow.commit()
        except Exception as exc:
            metrics.SHARED_TRANSACTION_FAILURES.labels(self._consumer).inc()
            log.info(
                "a shared transaction failed; its deliveries run again one by one",
                consumer=self._consumer,
                deliveries=len(group),
                error=repr(exc),
            )
            return False
        metrics.TRANSACTION_DELIVERIES.labels(self._consumer).observe(len(group))
        for delivery, handled in zip(group, fresh, strict=True):
            if not delivery.outcome.done():
                delivery.outcome.set_result(handled)
        return True

    async def _alone(self, delivery: _Delivery[UowT]) -> None:
        try:
            async with self._uow_factory() as uow:
                handled = await self._in_context(delivery, self._apply(delivery, uow))
                if handled:
                    await uow.commit()
        except Exception as exc:
            if not delivery.outcome.done():
                delivery.outcome.set_exception(exc)
            return
        if handled:  # a duplicate commits nothing
            metrics.TRANSACTION_DELIVERIES.labels(self._consumer).observe(1)
        if not delivery.outcome.done():
            delivery.outcome.set_result(handled)

    async def _apply(self, delivery: _Delivery[UowT], uow: UowT) -> bool:
        return await handle_once(uow, self._consumer, delivery.event, delivery.handler)

    @staticmethod
    async def _in_context(delivery: _Delivery[Any], work: Coroutine[Any, Any, T]) -> T:
        # The handler runs in its delivery's context: its span is the current one, so the
        # events it writes carry that trace on, and its log lines carry the event's fields.
        return await asyncio.create_task(work, context=delivery.context)
