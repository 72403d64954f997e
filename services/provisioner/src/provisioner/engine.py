"""The step engine: runs each due pipeline one unit of work at a time, under its row lock.

Several replicas can run it: `FOR UPDATE SKIP LOCKED` hands each pipeline to one of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Row, bindparam, func, or_, select, update

from provisioner import events
from provisioner.adapters.orm import pipelines, status_in
from provisioner.deps import Deps
from provisioner.domain import outage
from provisioner.domain.pipeline import PipelineStatus, StopReason, retry_delay
from provisioner.steps import Done, StepFailed, run_step, undo
from service_kit import tracing
from service_kit.db import UnitOfWork
from service_kit.outage_rules import backoff
from service_kit.outages import engine_error
from service_kit.runtime import ServiceRuntime

log = structlog.get_logger(__name__)
S = PipelineStatus


# Built once: every tick of every worker loop asks it.
_NEXT_DUE = (
    select(pipelines)
    .where(
        or_(
            status_in(S.RUNNING, S.COMPENSATING) & (pipelines.c.next_run_at <= func.now()),
            status_in(S.WAITING) & (pipelines.c.waiting_deadline <= func.now()),
        )
    )
    .order_by(pipelines.c.next_run_at)
    .limit(1)
    .with_for_update(skip_locked=True)
)

# The pipeline just worked on, if it is due again at once (its next step, or its compensation).
# clock_timestamp(): now() is the transaction's start, before the step that made it due.
_STILL_DUE = (
    select(pipelines)
    .where(
        pipelines.c.id == bindparam("pipeline_id"),
        status_in(S.RUNNING, S.COMPENSATING),
        pipelines.c.next_run_at <= func.clock_timestamp(),
    )
    .with_for_update()
)
# Most units of work one transaction does on one pipeline (five steps and the outcome fit).
CHAIN_LIMIT = 8

# Built once; the SET clause also takes each column named in the parameters.
_SET = (
    update(pipelines)
    .where(pipelines.c.id == bindparam("pipeline_id"))
    .values(updated_at=func.now())
)


class Engine:
    def __init__(self, runtime: ServiceRuntime[Any, Any, Any], deps: Deps) -> None:
        self._runtime = runtime
        self._deps = deps

    async def run_job(self, runtime: ServiceRuntime[Any, Any, Any]) -> None:
        """As a runtime background job (supervised: restarted if it crashes).

        PROVISIONER_WORKERS loops share the due pipelines exactly as replicas do (each row is
        locked by one of them): while one waits on a database or a pipeline driver, another
        moves a different pipeline on.
        """
        async with asyncio.TaskGroup() as loops:
            for _ in range(self._deps.settings.provisioner_workers):
                loops.create_task(self.run())

    async def run(self) -> None:
        interval = self._deps.settings.provisioner_poll_interval
        while True:
            if await self.tick():
                continue
            # Not wait_for: on 3.11 it can swallow the cancellation that stops the engine.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._deps.wake.wait()
            self._deps.wake.clear()

    async def tick(self) -> bool:
        """Move one due pipeline on; False if none was due.

        While the pipeline is due again at once (its next step, or its compensation), the
        same transaction goes on with it under the row lock it already holds, rather than
        committing and polling for it again: a pooled tenant's five steps are one transaction.
        Each unit of work is still its own span, and the events of all of them commit together.
        """
        async with self._runtime.uow() as uow:
            row = (await uow.session.execute(_NEXT_DUE)).first()
            if row is None:
                return False
            structlog.contextvars.bind_contextvars(
                pipeline_id=str(row.id), tenant_id=str(row.tenant_id)
            )
            for _ in range(CHAIN_LIMIT):
                await self._unit(row, uow)
                row = (await uow.session.execute(_STILL_DUE, {"pipeline_id": row.id})).first()
                if row is None:
                    break
            await uow.commit()
        return True

    async def _unit(self, row: Row[Any], uow: UnitOfWork) -> None:
        # Polled, not consumed: the saga's trace comes from the row, where the last unit of
        # work on this pipeline (a handler, or this engine) left it.
        with tracing.span(
            _span_name(row),
            parent=tracing.extract(row.trace_context),
            attributes=_span_attributes(row),
        ):
            if row.status == S.WAITING:
                await self._callback_overdue(row, uow)
            elif row.status == S.COMPENSATING:
                await self._compensate(row, uow)
            else:
                await self._advance(row, uow)

    async def _advance(self, row: Row[Any], uow: UnitOfWork) -> None:
        step = row.steps[row.current]
        attempt = row.attempt + 1
        await events.step_started(uow, row, step, attempt)
        try:
            async with uow.session.begin_nested():
                outcome = await run_step(step, row, uow, self._deps)
        except Exception as exc:
            # A `StepFailed` is the step's own verdict, whatever caused it.
            away = None if isinstance(exc, StepFailed) else engine_error(exc)
            if away is None or not await self._wait_for_engine(row, uow, step, attempt, away):
                await self._attempt_failed(row, uow, step, attempt, exc, away)
            return
        if isinstance(outcome, Done):
            await events.step_succeeded(uow, row, step, attempt, outcome.details)
            await move_on(row, uow, self._deps)
            return
        deadline = datetime.now(UTC) + timedelta(
            seconds=self._deps.settings.provisioner_callback_timeout
        )
        await _set(
            uow,
            row,
            status=S.WAITING,
            attempt=attempt,
            waiting_deadline=deadline,
            outage_since=None,
        )
        log.info("waiting for the external pipeline's callback", step=step)

    async def _wait_for_engine(
        self, row: Row[Any], uow: UnitOfWork, step: str, attempt: int, away: BaseException
    ) -> bool:
        """Retry the same attempt once the engine may be back; False if the budget is spent."""
        tolerance = self._deps.settings.provisioner_outage_tolerance
        now = datetime.now(UTC)
        wait = outage.wait_for_engine(row.outage_since, now, tolerance)
        if wait is None:
            return False
        tracing.record_error(away)
        reason = outage.engine_reason(away, (now - wait.since).total_seconds(), tolerance)
        log.warning("step waits for an engine", step=step, attempt=attempt, error=reason)
        # Shown on the timeline as a failed try that will be retried; the attempt's number,
        # and the budget of attempts, stay as they were.
        await events.step_failed(uow, row, step, attempt, reason, True)
        await _set(
            uow, row, outage_since=wait.since, next_run_at=now + timedelta(seconds=wait.delay)
        )
        return True

    async def _attempt_failed(
        self,
        row: Row[Any],
        uow: UnitOfWork,
        step: str,
        attempt: int,
        exc: Exception,
        away: BaseException | None,
    ) -> None:
        tracing.record_error(exc)
        permanent = isinstance(exc, StepFailed) and exc.permanent
        if isinstance(exc, StepFailed):
            reason = str(exc)
        elif away is not None:
            tolerance = self._deps.settings.provisioner_outage_tolerance
            reason = f"engine unavailable for over {tolerance:g}s: {type(away).__name__}: {away}"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        will_retry = not permanent and attempt < self._deps.settings.provisioner_step_attempts
        log.warning(
            "step attempt failed", step=step, attempt=attempt, error=reason, retry=will_retry
        )
        await events.step_failed(uow, row, step, attempt, reason, will_retry)
        if will_retry:
            delay = retry_delay(attempt, self._deps.settings.provisioner_step_retry_base)
            await _set(
                uow,
                row,
                attempt=attempt,
                next_run_at=datetime.now(UTC) + timedelta(seconds=delay),
                # An outage past its budget stays one: the next attempt gets no fresh budget.
                outage_since=row.outage_since if away is not None else None,
            )
            return
        await stop(
            uow, row, StopReason.FAILED, failure_step=step, failure_reason=reason, attempt=attempt
        )

    async def _callback_overdue(self, row: Row[Any], uow: UnitOfWork) -> None:
        step = row.steps[row.current]
        reason = f"no callback within {self._deps.settings.provisioner_callback_timeout:.0f}s"
        await events.step_failed(uow, row, step, row.attempt, reason, False)
        await stop(uow, row, StopReason.FAILED, failure_step=step, failure_reason=reason)

    async def _compensate(self, row: Row[Any], uow: UnitOfWork) -> None:
        """Undo everything the ledger lists for this pipeline, newest first; then say why.

        Never gives up: what the ledger lists must go, however long an engine is away.
        """
        for resource in await self._deps.ledger.open(pipeline_id=row.id):
            try:
                async with uow.session.begin_nested():
                    await undo(resource, uow, self._deps)
            except Exception as exc:
                tracing.record_error(exc)
                await self._compensation_retry(row, uow, resource.name, exc)
                return
        for step in reversed(row.steps[: row.current]):
            await events.step_compensated(uow, row, step)
        if row.stop_reason == StopReason.CANCEL:
            await events.cancelled(uow, row)
            final = S.CANCELLED
        else:
            step = row.failure_step or row.steps[row.current]
            reason = "timeout" if row.stop_reason == StopReason.TIMEOUT else row.failure_reason
            await events.failed(uow, row, step, reason or "failed")
            final = S.FAILED
        await _set(uow, row, status=final, finished_at=datetime.now(UTC), outage_since=None)
        log.info("pipeline compensated", outcome=final.value)

    async def _compensation_retry(
        self, row: Row[Any], uow: UnitOfWork, resource: str, exc: Exception
    ) -> None:
        now = datetime.now(UTC)
        away = engine_error(exc)
        if away is None:
            log.error("compensation failed; will retry", resource=resource, error=repr(exc))
            await _set(uow, row, outage_since=None, next_run_at=now + timedelta(seconds=2))
            return
        since = row.outage_since or now
        delay = backoff((now - since).total_seconds())
        log.warning(
            "compensation waits for an engine",
            resource=resource,
            error=f"{type(away).__name__}: {away}",
            waited=round((now - since).total_seconds()),
        )
        await _set(uow, row, outage_since=since, next_run_at=now + timedelta(seconds=delay))


async def move_on(row: Row[Any], uow: UnitOfWork, deps: Deps, app_url: str | None = None) -> None:
    """The current step is done: run the next one now, or complete the pipeline.

    Called by the engine, which goes on with the next step itself, and by the callback's
    handler, which wakes the engine once its transaction has committed.
    """
    nxt = row.current + 1
    if nxt < len(row.steps):
        await _set(
            uow,
            row,
            status=S.RUNNING,
            current=nxt,
            attempt=0,
            outage_since=None,
            next_run_at=datetime.now(UTC),
            **({"app_url": app_url} if app_url else {}),
        )
        return
    final_url = (
        app_url or row.app_url or deps.settings.tenant_app_url_template.format(key=row.tenant_key)
    )
    names = [f"{r.kind}:{r.name}" for r in await deps.ledger.open(pipeline_id=row.id)]
    await events.completed(uow, row, final_url, names)
    await _set(
        uow,
        row,
        status=S.SUCCEEDED,
        current=nxt,
        attempt=0,
        outage_since=None,
        app_url=final_url,
        finished_at=datetime.now(UTC),
    )
    log.info("pipeline succeeded")


async def stop(uow: UnitOfWork, row: Row[Any], reason: StopReason, **values: Any) -> None:
    """Stop before the next step and compensate (at once, by the engine).

    The compensation's own outages are timed from their start, not from the step's.
    """
    await _set(
        uow,
        row,
        status=S.COMPENSATING,
        stop_reason=reason,
        next_run_at=datetime.now(UTC),
        outage_since=None,
        **values,
    )


async def _set(uow: UnitOfWork, row: Row[Any], **values: Any) -> None:
    # Whoever changes the pipeline last hands its trace to the engine's next unit of work.
    trace_context = tracing.carrier()
    if trace_context:
        values["trace_context"] = trace_context
    await uow.session.execute(_SET, {"pipeline_id": row.id, **values})


def _span_name(row: Row[Any]) -> str:
    if row.status == S.COMPENSATING:
        return "pipeline compensate"
    step = row.steps[row.current] if row.current < len(row.steps) else "end"
    if row.status == S.WAITING:
        return f"pipeline {step} callback overdue"
    return f"pipeline step {step}"


def _span_attributes(row: Row[Any]) -> dict[str, Any]:
    if not tracing.enabled():
        return {}
    return {
        "controlplane.pipeline_id": str(row.id),
        "controlplane.tenant_id": str(row.tenant_id),
        "controlplane.pipeline.status": str(row.status),
        "controlplane.pipeline.attempt": row.attempt + 1,
    }
