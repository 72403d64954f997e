"""A provisioning pipeline and its transitions (pure).

Each transition returns what it causes: the pipeline as it is after it, and the events to
publish. The engine and the handlers load a pipeline, ask it, save and publish what it says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from provisioner.domain import events as ev
from provisioner.domain import outage
from provisioner.domain.outcomes import AttemptFailed, Completion, Done, Outcome, StepFailed
from provisioner.domain.status import (
    COMPENSATION_RETRY,
    InvalidTransition,
    PipelineStatus,
    StepRules,
    StopReason,
    retry_delay,
)
from service_kit.outage_rules import backoff
from shared_schemas.events import PlanFacts, StepName, Tier


@dataclass(frozen=True)
class Pipeline:
    id: UUID
    tenant_id: UUID
    tenant_key: str
    tier: Tier
    plan: PlanFacts
    steps: tuple[StepName, ...]
    status: PipelineStatus
    current: int
    attempt: int
    next_run_at: datetime
    waiting_deadline: datetime | None = None
    outage_since: datetime | None = None
    stop_reason: StopReason | None = None
    failure_step: StepName | None = None
    failure_reason: str | None = None
    app_url: str | None = None
    finished_at: datetime | None = None
    # Where the last unit of work on it left the saga's trace (read, never changed here).
    trace_context: dict[str, str] | None = field(default=None, compare=False)

    @property
    def step(self) -> StepName:
        return self.steps[self.current]

    @property
    def on_last_step(self) -> bool:
        return self.current + 1 >= len(self.steps)

    @property
    def awaits_callback(self) -> bool:
        return self.status is PipelineStatus.WAITING and self.step is StepName.INFRASTRUCTURE

    def start_attempt(self) -> Transition:
        return Transition(self, self, (ev.StepStarted(self.step, self.attempt + 1),))

    def advance(
        self, outcome: Outcome, now: datetime, rules: StepRules, completion: Completion | None
    ) -> Transition:
        """The current step's attempt came to `outcome`: move on, wait, retry or stop.

        `completion` is needed only when the last step succeeds.
        """
        attempt = self.attempt + 1
        if isinstance(outcome, Done):
            done = ev.StepSucceeded(self.step, attempt, outcome.details)
            return self._move_on(now, completion).after_events(done)
        if isinstance(outcome, AttemptFailed):
            return self._attempt_failed(attempt, outcome, now, rules)
        deadline = now + timedelta(seconds=rules.callback_timeout)
        return Transition(
            self,
            replace(
                self,
                status=PipelineStatus.WAITING,
                attempt=attempt,
                waiting_deadline=deadline,
                outage_since=None,
            ),
        )

    def answer_callback(
        self,
        *,
        succeeded: bool,
        details: dict[str, Any],
        app_url: str | None,
        now: datetime,
        completion: Completion | None,
    ) -> Transition:
        """The external pipeline called back: the step succeeded (move on) or failed (stop)."""
        if not self.awaits_callback:
            raise InvalidTransition("the pipeline awaits no callback")
        if succeeded:
            done = ev.StepSucceeded(self.step, self.attempt, details)
            return self._move_on(now, completion, app_url).after_events(done)
        return self._external_step_failed("the external pipeline reported failure", now)

    def callback_overdue(self, now: datetime, rules: StepRules) -> Transition:
        return self._external_step_failed(f"no callback within {rules.callback_timeout:.0f}s", now)

    def stop_on_request(self, reason: StopReason, now: datetime) -> Transition:
        """Cancel or time out: stop before the next step and compensate."""
        if self.status not in (PipelineStatus.RUNNING, PipelineStatus.WAITING):
            raise InvalidTransition(f"a {self.status.value} pipeline does not stop")
        stopped = self._stop(reason, now, failure_step=self.step)
        if self.status is not PipelineStatus.WAITING:
            return stopped
        error = "cancelled" if reason is StopReason.CANCEL else "timed out"
        return stopped.after_events(ev.StepAttemptFailed(self.step, self.attempt, error, False))

    def compensation_blocked(self, engine_away: BaseException | None, now: datetime) -> Transition:
        """Undoing a resource failed: try again later; never give up.

        An engine away is waited for with the kit's backoff, timed from the compensation's
        first error of that outage."""
        if engine_away is None:
            return Transition(
                self, replace(self, outage_since=None, next_run_at=now + COMPENSATION_RETRY)
            )
        since = self.outage_since or now
        delay = backoff((now - since).total_seconds())
        after = replace(self, outage_since=since, next_run_at=now + timedelta(seconds=delay))
        return Transition(self, after, waits_for_engine=True)

    def compensated(self, now: datetime) -> Transition:
        """Everything the ledger listed is gone: say so for each step done, then why it ended."""
        undone = [ev.StepCompensated(step) for step in reversed(self.steps[: self.current])]
        outcome: ev.PipelineEvent
        if self.stop_reason == StopReason.CANCEL:
            outcome, final = ev.Cancelled(), PipelineStatus.CANCELLED
        else:
            step = self.failure_step or self.step
            reason = "timeout" if self.stop_reason == StopReason.TIMEOUT else self.failure_reason
            outcome, final = ev.Failed(step, reason or "failed"), PipelineStatus.FAILED
        after = replace(self, status=final, finished_at=now, outage_since=None)
        return Transition(self, after, (*undone, outcome))

    def abandon(self, now: datetime) -> Transition:
        """The tenant is deprovisioned under it: nothing is left for it to do."""
        return Transition(self, replace(self, status=PipelineStatus.CANCELLED, finished_at=now))

    def _attempt_failed(
        self, attempt: int, failure: AttemptFailed, now: datetime, rules: StepRules
    ) -> Transition:
        away = failure.engine_away
        if away is not None:
            wait = outage.wait_for_engine(self.outage_since, now, rules.outage_tolerance)
            if wait is not None:
                waited = (now - wait.since).total_seconds()
                reason = outage.engine_reason(away, waited, rules.outage_tolerance)
                # Shown on the timeline as a failed try that will be retried; the attempt's
                # number, and the budget of attempts, stay as they were.
                after = replace(
                    self,
                    outage_since=wait.since,
                    next_run_at=now + timedelta(seconds=wait.delay),
                )
                failed = ev.StepAttemptFailed(self.step, attempt, reason, True)
                return Transition(self, after, (failed,), waits_for_engine=True)
        reason = _reason(failure, rules.outage_tolerance)
        will_retry = not failure.permanent and attempt < rules.attempts
        failed = ev.StepAttemptFailed(self.step, attempt, reason, will_retry)
        if will_retry:
            delay = retry_delay(attempt, rules.retry_base)
            after = replace(
                self,
                attempt=attempt,
                next_run_at=now + timedelta(seconds=delay),
                # An outage past its budget stays one: the next attempt gets no fresh budget.
                outage_since=self.outage_since if away is not None else None,
            )
            return Transition(self, after, (failed,))
        return self._stop(
            StopReason.FAILED, now, failure_step=self.step, failure_reason=reason, attempt=attempt
        ).after_events(failed)

    def _external_step_failed(self, reason: str, now: datetime) -> Transition:
        """The waiting step failed for good (no retry: the run is over); compensate."""
        failed = ev.StepAttemptFailed(self.step, self.attempt, reason, False)
        return self._stop(
            StopReason.FAILED, now, failure_step=self.step, failure_reason=reason
        ).after_events(failed)

    def _move_on(
        self, now: datetime, completion: Completion | None, app_url: str | None = None
    ) -> Transition:
        """The current step is done: run the next one now, or complete the pipeline."""
        # Either way the next attempt (of the next step) starts afresh.
        moved = replace(self, current=self.current + 1, attempt=0, outage_since=None)
        if moved.current < len(self.steps):
            after = replace(
                moved,
                status=PipelineStatus.RUNNING,
                next_run_at=now,
                app_url=app_url or self.app_url,
            )
            return Transition(self, after)
        if completion is None:
            raise ValueError("the last step completes the pipeline: its completion is needed")
        final_url = app_url or self.app_url or completion.default_app_url
        after = replace(moved, status=PipelineStatus.SUCCEEDED, app_url=final_url, finished_at=now)
        return Transition(self, after, (ev.Completed(final_url, completion.resources),))

    def _stop(
        self,
        reason: StopReason,
        now: datetime,
        *,
        failure_step: StepName,
        failure_reason: str | None = None,
        attempt: int | None = None,
    ) -> Transition:
        """Stop before the next step and compensate (at once, by the engine).

        The compensation's own outages are timed from their start, not from the step's.
        """
        after = replace(
            self,
            status=PipelineStatus.COMPENSATING,
            stop_reason=reason,
            next_run_at=now,
            outage_since=None,
            failure_step=failure_step,
            failure_reason=failure_reason if failure_reason is not None else self.failure_reason,
            attempt=self.attempt if attempt is None else attempt,
        )
        return Transition(self, after)


def _reason(failure: AttemptFailed, tolerance: float) -> str:
    error, away = failure.error, failure.engine_away
    if isinstance(error, StepFailed):
        return str(error)
    if away is not None:
        return f"engine unavailable for over {tolerance:g}s: {type(away).__name__}: {away}"
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Transition:
    """A pipeline before and after a transition, and the events it causes, in order."""

    before: Pipeline
    after: Pipeline
    events: tuple[ev.PipelineEvent, ...] = ()
    # The step (or the compensation) waits for an engine that is away, not for a retry.
    waits_for_engine: bool = False

    def after_events(self, *first: ev.PipelineEvent) -> Transition:
        """The same transition, with `first` published before its own events."""
        return replace(self, events=(*first, *self.events))

    def changes(self) -> dict[str, Any]:
        """The pipeline's fields this transition changes, by name (they are its columns)."""
        return {
            f.name: getattr(self.after, f.name)
            for f in fields(Pipeline)
            if f.compare and getattr(self.after, f.name) != getattr(self.before, f.name)
        }
