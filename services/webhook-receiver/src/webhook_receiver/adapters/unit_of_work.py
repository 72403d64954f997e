"""webhook-receiver's unit of work: the kit's transaction with the receipts and the runs."""

from __future__ import annotations

from typing import Self

from service_kit.db import UnitOfWork
from webhook_receiver.adapters.deliveries import Deliveries
from webhook_receiver.adapters.runs import Runs


class WebhookUnitOfWork(UnitOfWork):
    deliveries: Deliveries
    runs: Runs

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.deliveries = Deliveries(self.session)
        self.runs = Runs(self.session)
        return self
