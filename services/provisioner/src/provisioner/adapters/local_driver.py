"""The local pipeline driver: runs PIPELINE_LOCAL_COMMAND, then calls the webhook, signed.

Its work is durable: the step records a pending callback in its own transaction, and a loop
of every replica claims pending callbacks under a lease (see `local_callbacks`). A restart,
kill -9 included, therefore resumes the callback instead of leaving the step to its deadline.
The command's outcome is fixed in the row with the callback's timestamp before the first
send, so every send (a retry, or a replica resuming) is the same signed delivery, which
webhook-receiver accepts once. The command may run again after a crash: it must be idempotent.

The callback waits for webhook-receiver's word that it stored the run (`webhook.run_registered`
makes the row due), so the first send is one the receiver can verify. If that word never comes
(the announcement dead-lettered, the receiver down for long), nothing is sent and the step's
callback deadline fails the step as for any pipeline that never calls back; the row is then
dropped. A refusal that may pass (the receiver unreachable, busy, or not yet told of the run)
is sent again with backoff until that deadline; one that never will is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from provisioner.adapters import local_callbacks, webhook_runs
from provisioner.adapters.callback_sends import send_until_settled
from provisioner.adapters.drivers import DriverJob
from provisioner.adapters.local_callbacks import PendingCallback
from provisioner.adapters.local_command import callback_body, command_succeeds
from provisioner.adapters.pipelines import waiting_deadline
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.settings import ProvisionerSettings
from service_kit import tracing
from service_kit.http_tracing import traced_client
from service_kit.tasks import cancel_and_wait
from service_kit.webhooks import WebhookRun

log = structlog.get_logger(__name__)


class LeaseLost(Exception):
    """Another replica took the callback over (this one stalled past its lease)."""


class LocalDriver:
    def __init__(self, settings: ProvisionerSettings) -> None:
        self._settings = settings
        self._lease = timedelta(seconds=settings.provisioner_driver_lease)
        self._client = traced_client(peer="webhook-receiver", timeout=10)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def trigger(self, job: DriverJob, uow: ProvisionerUnitOfWork) -> None:
        # In the step's transaction: the callback is pending exactly when the step waits.
        await uow.local_callbacks.add(
            {
                "pipeline_id": job.pipeline_id,
                "tenant_id": job.tenant_id,
                "tenant_key": job.tenant_key,
                "tier": job.tier,
                "app_url": job.app_url,
                "hold_callback": job.hold_callback,
                "callback_delay": job.callback_delay,
                # Carried out later, maybe by another replica: it continues the step's trace.
                "trace_context": tracing.carrier() or None,
            },
        )
        uow.after_commit(self._wake.set)

    async def run_registered(self, pipeline_id: UUID, uow: ProvisionerUnitOfWork) -> None:
        # Only now is the callback due: before, webhook-receiver would not know its run.
        if await uow.local_callbacks.register(pipeline_id):
            uow.after_commit(self._wake.set)

    async def run_job(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """As a runtime background job: claim pending callbacks and carry each one out."""
        interval = self._settings.provisioner_poll_interval
        try:
            while True:
                while (claimed := await self._claim(sessions)) is not None:
                    task = asyncio.create_task(self._carry_out(sessions, claimed))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval):
                        await self._wake.wait()
                self._wake.clear()
        finally:
            await cancel_and_wait(self._tasks)

    async def _claim(self, sessions: async_sessionmaker[AsyncSession]) -> PendingCallback | None:
        async with sessions() as session, session.begin():
            return await local_callbacks.claim(session, uuid4(), self._lease)

    async def _carry_out(
        self, sessions: async_sessionmaker[AsyncSession], row: PendingCallback
    ) -> None:
        with tracing.span(
            "pipeline infrastructure local run",
            parent=tracing.extract(row.trace_context),
            attributes={
                "controlplane.pipeline_id": str(row.pipeline_id),
                "controlplane.tenant_id": str(row.tenant_id),
            },
        ):
            await self._carry_out_in_span(sessions, row)

    async def _carry_out_in_span(
        self, sessions: async_sessionmaker[AsyncSession], row: PendingCallback
    ) -> None:
        pipeline_id, owner = row.pipeline_id, row.owner
        bound = log.bind(pipeline_id=str(pipeline_id), tenant_id=str(row.tenant_id))
        try:
            async with self._leased(sessions, pipeline_id, owner):
                waiting = await self._waiting_run(sessions, row.pipeline_id)
                if waiting is None:
                    bound.info("local callback no longer awaited; dropped")
                elif row.body is None and row.hold_callback:
                    bound.info("local driver holds its callback (fault hook)")
                else:
                    await self._call_back(sessions, row, *waiting)
            async with sessions() as session, session.begin():
                await local_callbacks.done(session, pipeline_id, owner)
        except LeaseLost:
            bound.warning("local callback taken over by another replica")
        except asyncio.CancelledError:
            # Stopping: hand the callback back at once rather than at the lease's end.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2), sessions() as session, session.begin():
                    await local_callbacks.release(session, pipeline_id, owner)
            raise
        except Exception as exc:
            # The lease runs out and the loop (this replica's or another's) tries again.
            bound.error("local callback failed; will be resumed", error=repr(exc))

    async def _waiting_run(
        self, sessions: async_sessionmaker[AsyncSession], pipeline_id: UUID
    ) -> tuple[WebhookRun, datetime] | None:
        """The run to sign with and the step's callback deadline, while the step waits."""
        async with sessions() as session:
            deadline = await waiting_deadline(session, pipeline_id)
            if deadline is None:
                return None
            run = await webhook_runs.waiting(session, self._settings.run_keyring(), pipeline_id)
        return None if run is None else (run, deadline)

    async def _call_back(
        self,
        sessions: async_sessionmaker[AsyncSession],
        row: PendingCallback,
        run: WebhookRun,
        deadline: datetime,
    ) -> None:
        body, stamp = row.body, row.stamp
        if body is None or stamp is None:  # fixed together, once
            succeeded = await command_succeeds(self._settings, row)
            if row.callback_delay:
                await asyncio.sleep(row.callback_delay)
            async with sessions() as session, session.begin():
                fixed = await local_callbacks.fix_outcome(
                    session,
                    row.pipeline_id,
                    row.owner,
                    callback_body(row, succeeded),
                    int(time.time() * 1000),
                )
            if fixed is None:
                raise LeaseLost
            body, stamp = fixed
        await send_until_settled(
            self._client,
            self._settings.webhook_callback_url,
            run,
            body.encode(),
            stamp,
            deadline,
            still_awaited=lambda: self._still_awaited(sessions, row.pipeline_id),
        )

    async def _still_awaited(
        self, sessions: async_sessionmaker[AsyncSession], pipeline_id: UUID
    ) -> bool:
        return await self._waiting_run(sessions, pipeline_id) is not None

    @contextlib.asynccontextmanager
    async def _leased(
        self, sessions: async_sessionmaker[AsyncSession], pipeline_id: UUID, owner: UUID
    ) -> AsyncIterator[None]:
        """Renew the lease while the work runs; a lost lease stops the work (LeaseLost)."""
        worker = asyncio.current_task()
        assert worker is not None
        lost = False

        async def renew() -> None:
            nonlocal lost
            while True:
                await asyncio.sleep(self._lease.total_seconds() / 3)
                async with sessions() as session, session.begin():
                    if not await local_callbacks.renew(session, pipeline_id, owner, self._lease):
                        lost = True
                        worker.cancel()
                        return

        renewer = asyncio.create_task(renew())
        try:
            yield
        except asyncio.CancelledError:
            if lost:
                worker.uncancel()
                raise LeaseLost from None
            raise
        finally:
            await cancel_and_wait([renewer])
        if lost:
            raise LeaseLost

    async def close(self) -> None:
        await cancel_and_wait(self._tasks)
        await self._client.aclose()
