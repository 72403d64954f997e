"""The pipeline's transitions as pure functions: what each one changes and what it causes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from provisioner.domain import events as ev
from provisioner.domain.outcomes import AttemptFailed, Completion, Done, StepFailed, Waiting
from provisioner.domain.pipeline import Pipeline
from provisioner.domain.status import InvalidTransition, PipelineStatus, StepRules, StopReason
from service_kit_testing import standard_plan
from shared_schemas.events import StepName, Tier

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RULES = StepRules(attempts=2, retry_base=0.5, outage_tolerance=60, callback_timeout=300)
PLAN = standard_plan(Tier.SILO)
DONE = Completion(default_app_url="https://acme.app", resources=("schema:tenant_acme",))


def pipeline(**changes: Any) -> Pipeline:
    base = Pipeline(
        id=uuid4(),
        tenant_id=uuid4(),
        tenant_key="acme",
        tier=Tier.SILO,
        plan=PLAN,
        steps=(StepName.PREFLIGHT, StepName.INFRASTRUCTURE, StepName.BILLING),
        status=PipelineStatus.RUNNING,
        current=0,
        attempt=0,
        next_run_at=NOW,
    )
    return replace(base, **changes)


def test_starting_an_attempt_announces_it_and_changes_nothing() -> None:
    started = pipeline(attempt=1).start_attempt()

    assert started.events == (ev.StepStarted(StepName.PREFLIGHT, 2),)
    assert started.changes() == {}


def test_a_step_done_moves_on_to_the_next_at_once() -> None:
    moved = pipeline(attempt=1, outage_since=NOW).advance(Done({"a": 1}), NOW, RULES, None)

    assert moved.events == (ev.StepSucceeded(StepName.PREFLIGHT, 2, {"a": 1}),)
    assert moved.changes() == {"current": 1, "attempt": 0, "outage_since": None}
    assert moved.after.next_run_at == NOW


def test_the_last_step_done_completes_the_pipeline() -> None:
    moved = pipeline(current=2).advance(Done(), NOW, RULES, DONE)

    assert moved.after.status is PipelineStatus.SUCCEEDED
    assert moved.after.finished_at == NOW
    assert moved.after.app_url == "https://acme.app"
    assert moved.events[-1] == ev.Completed("https://acme.app", ("schema:tenant_acme",))


def test_the_last_step_needs_its_completion() -> None:
    with pytest.raises(ValueError, match="completion"):
        pipeline(current=2).advance(Done(), NOW, RULES, None)


def test_a_triggered_step_waits_for_its_callback_until_the_deadline() -> None:
    waiting = pipeline(current=1).advance(Waiting(), NOW, RULES, None)

    assert waiting.events == ()
    assert waiting.changes() == {
        "status": PipelineStatus.WAITING,
        "attempt": 1,
        "waiting_deadline": NOW + timedelta(seconds=300),
    }


def test_a_failed_attempt_is_retried_after_the_backoff() -> None:
    failed = pipeline().advance(AttemptFailed(StepFailed("boom")), NOW, RULES, None)

    assert failed.events == (ev.StepAttemptFailed(StepName.PREFLIGHT, 1, "boom", True),)
    assert failed.changes() == {"attempt": 1, "next_run_at": NOW + timedelta(seconds=0.5)}


def test_the_last_attempt_failed_stops_the_pipeline_to_compensate() -> None:
    failed = pipeline(attempt=1).advance(AttemptFailed(ValueError("x")), NOW, RULES, None)

    assert failed.events == (ev.StepAttemptFailed(StepName.PREFLIGHT, 2, "ValueError: x", False),)
    after = failed.after
    assert after.status is PipelineStatus.COMPENSATING
    assert after.stop_reason is StopReason.FAILED
    assert (after.failure_step, after.failure_reason, after.attempt) == (
        StepName.PREFLIGHT,
        "ValueError: x",
        2,
    )


def test_a_permanent_failure_is_not_retried() -> None:
    permanent = AttemptFailed(StepFailed("reserved", permanent=True))

    assert pipeline().advance(permanent, NOW, RULES, None).after.status is (
        PipelineStatus.COMPENSATING
    )


def test_an_engine_away_is_waited_for_without_spending_an_attempt() -> None:
    away = ConnectionError("down")
    waited = pipeline().advance(AttemptFailed(away, away), NOW, RULES, None)

    assert waited.waits_for_engine
    assert waited.after.attempt == 0
    assert waited.after.outage_since == NOW
    (failed,) = waited.events
    assert isinstance(failed, ev.StepAttemptFailed)
    assert failed.will_retry
    assert failed.error.startswith("engine unavailable: ConnectionError: down")


def test_an_engine_away_past_its_budget_counts_as_a_failed_attempt() -> None:
    away = ConnectionError("down")
    since = NOW - timedelta(seconds=61)
    failed = pipeline(outage_since=since).advance(AttemptFailed(away, away), NOW, RULES, None)

    assert not failed.waits_for_engine
    assert failed.after.attempt == 1
    assert failed.after.outage_since == since  # no fresh budget for the next attempt
    (event,) = failed.events
    assert isinstance(event, ev.StepAttemptFailed)
    assert event.error == "engine unavailable for over 60s: ConnectionError: down"


def test_a_callback_that_reports_success_moves_on_with_its_app_url() -> None:
    waiting = pipeline(current=1, attempt=1, status=PipelineStatus.WAITING)
    answered = waiting.answer_callback(
        succeeded=True, details={}, app_url="https://x.app", now=NOW, completion=None
    )

    assert answered.events == (ev.StepSucceeded(StepName.INFRASTRUCTURE, 1, {}),)
    assert answered.after.status is PipelineStatus.RUNNING
    assert (answered.after.current, answered.after.app_url) == (2, "https://x.app")


def test_a_callback_that_reports_failure_stops_the_pipeline() -> None:
    waiting = pipeline(current=1, attempt=1, status=PipelineStatus.WAITING)
    answered = waiting.answer_callback(
        succeeded=False, details={}, app_url=None, now=NOW, completion=None
    )

    assert answered.after.status is PipelineStatus.COMPENSATING
    assert answered.after.failure_reason == "the external pipeline reported failure"


def test_a_callback_for_a_pipeline_that_does_not_wait_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        pipeline(current=1).answer_callback(
            succeeded=True, details={}, app_url=None, now=NOW, completion=None
        )


def test_an_overdue_callback_fails_the_step_for_good() -> None:
    waiting = pipeline(current=1, attempt=1, status=PipelineStatus.WAITING)
    overdue = waiting.callback_overdue(NOW, RULES)

    assert overdue.events == (
        ev.StepAttemptFailed(StepName.INFRASTRUCTURE, 1, "no callback within 300s", False),
    )
    assert overdue.after.status is PipelineStatus.COMPENSATING


@pytest.mark.parametrize(
    ("reason", "error"), [(StopReason.CANCEL, "cancelled"), (StopReason.TIMEOUT, "timed out")]
)
def test_a_stop_of_a_waiting_step_fails_its_attempt(reason: StopReason, error: str) -> None:
    waiting = pipeline(current=1, attempt=1, status=PipelineStatus.WAITING)
    stopped = waiting.stop_on_request(reason, NOW)

    assert stopped.events == (ev.StepAttemptFailed(StepName.INFRASTRUCTURE, 1, error, False),)
    assert (stopped.after.status, stopped.after.stop_reason) == (
        PipelineStatus.COMPENSATING,
        reason,
    )


def test_a_finished_pipeline_does_not_stop() -> None:
    with pytest.raises(InvalidTransition):
        pipeline(status=PipelineStatus.SUCCEEDED).stop_on_request(StopReason.CANCEL, NOW)


def test_compensated_undoes_each_step_done_newest_first_then_tells_why() -> None:
    stopping = pipeline(
        current=2,
        status=PipelineStatus.COMPENSATING,
        stop_reason=StopReason.TIMEOUT,
        failure_step=StepName.BILLING,
    )
    done = stopping.compensated(NOW)

    assert done.events == (
        ev.StepCompensated(StepName.INFRASTRUCTURE),
        ev.StepCompensated(StepName.PREFLIGHT),
        ev.Failed(StepName.BILLING, "timeout"),
    )
    assert (done.after.status, done.after.finished_at) == (PipelineStatus.FAILED, NOW)


def test_a_cancelled_pipeline_ends_cancelled() -> None:
    stopping = pipeline(status=PipelineStatus.COMPENSATING, stop_reason=StopReason.CANCEL)
    done = stopping.compensated(NOW)

    assert done.events == (ev.Cancelled(),)
    assert done.after.status is PipelineStatus.CANCELLED


def test_a_blocked_compensation_waits_for_an_engine_from_its_outage_start() -> None:
    stopping = pipeline(status=PipelineStatus.COMPENSATING)

    waited = stopping.compensation_blocked(ConnectionError("down"), NOW)
    retried = stopping.compensation_blocked(None, NOW)

    assert waited.waits_for_engine
    assert waited.after.outage_since == NOW
    assert retried.changes() == {"next_run_at": NOW + timedelta(seconds=2)}
