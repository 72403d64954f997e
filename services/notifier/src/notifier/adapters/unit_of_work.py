"""notifier's unit of work: the kit's transaction with the notifications."""

from __future__ import annotations

from typing import Self

from notifier.adapters.notifications import Notifications
from service_kit.db import UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    notifications: Notifications

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.notifications = Notifications(self.session)
        return self
