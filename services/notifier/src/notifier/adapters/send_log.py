"""The send path's records, each in a transaction of its own, committed at once.

Not in the handler's transaction: that one commits (with its inbox row) after the e-mail
went, and a crash or a failure before it would take the record of the send with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.domain.notifications import AttemptEnd, Delivery

log = structlog.get_logger(__name__)


class SendLog:
    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork]) -> None:
        self._uow = uow_factory

    async def begin(self, delivery: Delivery) -> bool:
        """SENDING, one more attempt; False (nothing to send) if it was SENT before."""
        async with self._uow() as uow:
            fresh = await uow.notifications.begin_attempt(delivery)
            await uow.commit()
        return fresh

    async def sent(self, delivery: Delivery) -> None:
        await self._end(delivery, AttemptEnd.sent(datetime.now(UTC)))

    async def failed(self, delivery: Delivery, error: str) -> None:
        try:
            await self._end(delivery, AttemptEnd.failed(error))
        except Exception as exc:
            # Bookkeeping only: the send error, raised next, is what drives the retry.
            log.warning("could not record the failed attempt", error=repr(exc))

    async def _end(self, delivery: Delivery, end: AttemptEnd) -> None:
        async with self._uow() as uow:
            await uow.notifications.end_attempt(delivery, end)
            await uow.commit()
