"""The provisioner's unit of work: one transaction, and the repositories that write in it."""

from __future__ import annotations

from typing import Self

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSessionTransaction

from provisioner.adapters.initial_keys import InitialKeys
from provisioner.adapters.ledger import LedgerEntries
from provisioner.adapters.local_callbacks import LocalCallbacks
from provisioner.adapters.pipelines import PipelineRepository
from provisioner.adapters.stops import StopsBeforeStart
from provisioner.adapters.subscriptions import Subscriptions
from provisioner.adapters.tenant_access import TenantAccess
from provisioner.adapters.webhook_runs import WebhookRuns
from service_kit.db import UnitOfWork

_SERIALISE = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key"), 0)))


class ProvisionerUnitOfWork(UnitOfWork):
    pipelines: PipelineRepository
    stops: StopsBeforeStart
    ledger: LedgerEntries
    api_keys: InitialKeys
    subscriptions: Subscriptions
    webhook_runs: WebhookRuns
    local_callbacks: LocalCallbacks
    tenant_access: TenantAccess

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        session = self.session
        self.pipelines = PipelineRepository(session)
        self.stops = StopsBeforeStart(session)
        self.ledger = LedgerEntries(session)
        self.api_keys = InitialKeys(session, self.outbox, self.ledger)
        self.subscriptions = Subscriptions(session)
        self.webhook_runs = WebhookRuns(session, self.outbox)
        self.local_callbacks = LocalCallbacks(session)
        self.tenant_access = TenantAccess(session)
        return self

    async def serialise(self, key: str) -> None:
        """Hold a transaction-scoped advisory lock on `key`: whoever else asks waits until
        this transaction ends."""
        await self.session.execute(_SERIALISE, {"key": key})

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: a step's (or an undo's) writes go, alone, if it raises."""
        return self.session.begin_nested()
