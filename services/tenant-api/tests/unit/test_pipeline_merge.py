"""The read-model merge: precedence, attempts, times, and order independence."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from tenant_api.domain.pipeline import (
    PRECEDENCE,
    TERMINAL_STEP,
    StepEvent,
    StepState,
    StepStatus,
    merge,
    step_sort_key,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fold(events: Iterable[StepEvent], start: StepState | None = None) -> StepState | None:
    state = start
    for event in events:
        state = merge(state, event)
    return state


STARTED_1 = StepEvent("started", 1, at(0))
FAILED_1 = StepEvent("failed", 1, at(1), error="connection refused", will_retry=True)
STARTED_2 = StepEvent("started", 2, at(3))
SUCCEEDED_2 = StepEvent("succeeded", 2, at(4))
COMPENSATED = StepEvent("compensated", 1, at(9))  # the provisioner numbers compensation 1
# A realistic life of one step: a failed attempt, a retry that succeeds, then an undo.
LIFE = [STARTED_1, FAILED_1, STARTED_2, SUCCEEDED_2, COMPENSATED]


def test_first_event_makes_the_row() -> None:
    assert merge(None, STARTED_1) == StepState(
        status=StepStatus.IN_PROGRESS,
        status_attempt=1,
        attempts=1,
        last_error=None,
        error_attempt=None,
        started_at=at(0),
        finished_at=None,
        updated_by_event_at=at(0),
    )


def test_in_order_life_of_a_step() -> None:
    after_retry = fold(LIFE[:3])
    assert after_retry is not None
    assert (after_retry.status, after_retry.attempts, after_retry.last_error) == (
        StepStatus.IN_PROGRESS,
        2,
        "connection refused",
    )
    assert after_retry.finished_at is None
    done = fold(LIFE[:4])
    assert done is not None
    assert (done.status, done.started_at, done.finished_at) == (
        StepStatus.SUCCEEDED,
        at(0),
        at(4),
    )
    undone = fold(LIFE)
    assert undone == StepState(
        status=StepStatus.COMPENSATED,
        status_attempt=1,
        attempts=2,
        last_error="connection refused",
        error_attempt=1,
        started_at=at(0),
        finished_at=at(9),
        updated_by_event_at=at(9),
    )


def test_a_failure_that_will_be_retried_keeps_the_step_running() -> None:
    state = merge(None, FAILED_1)
    assert state.status is StepStatus.IN_PROGRESS
    assert state.last_error == "connection refused"


def test_a_final_failure_is_terminal() -> None:
    final = StepEvent("failed", 3, at(8), error="quota exceeded", will_retry=False)
    state = fold([STARTED_1, FAILED_1, final])
    assert state is not None
    assert (state.status, state.attempts, state.last_error, state.finished_at) == (
        StepStatus.FAILED,
        3,
        "quota exceeded",
        at(8),
    )


@pytest.mark.parametrize("late", [STARTED_1, FAILED_1, STARTED_2])
def test_terminal_states_are_sticky_against_late_non_terminal_events(late: StepEvent) -> None:
    done = fold([STARTED_1, SUCCEEDED_2])
    assert done is not None
    after = merge(done, late)
    assert after.status is StepStatus.SUCCEEDED
    assert after.finished_at == at(4)


def test_compensated_wins_over_succeeded_whatever_its_attempt_number() -> None:
    assert merge(merge(None, COMPENSATED), SUCCEEDED_2).status is StepStatus.COMPENSATED
    assert merge(merge(None, SUCCEEDED_2), COMPENSATED).status is StepStatus.COMPENSATED


def test_an_older_attempt_never_overwrites_a_newer_one() -> None:
    newer_error = StepEvent("failed", 2, at(5), error="timeout", will_retry=True)
    older_error = StepEvent("failed", 1, at(6), error="refused", will_retry=True)
    state = fold([newer_error, older_error])
    assert state is not None
    assert (state.last_error, state.error_attempt, state.attempts) == ("timeout", 2, 2)
    # Equal status from an older attempt does not move the finish time either.
    late_older = StepEvent("succeeded", 1, at(7))
    done = fold([SUCCEEDED_2, late_older])
    assert done is not None
    assert (done.status_attempt, done.finished_at) == (2, at(4))


def test_started_at_is_the_first_start_and_updated_is_the_latest_event() -> None:
    state = fold([STARTED_2, SUCCEEDED_2, STARTED_1])
    assert state is not None
    assert (state.started_at, state.updated_by_event_at) == (at(0), at(4))


def test_a_duplicate_changes_nothing() -> None:
    for prefix_length in range(1, len(LIFE) + 1):
        state = fold(LIFE[:prefix_length])
        assert state is not None
        assert merge(state, LIFE[prefix_length - 1]) == state


def test_every_terminal_status_outranks_every_non_terminal_one() -> None:
    non_terminal = set(StepStatus) - TERMINAL_STEP
    assert min(PRECEDENCE[s] for s in TERMINAL_STEP) > max(PRECEDENCE[s] for s in non_terminal)
    assert max(PRECEDENCE, key=PRECEDENCE.__getitem__) is StepStatus.COMPENSATED
    assert len(set(PRECEDENCE.values())) == len(StepStatus)


def test_all_permutations_and_duplications_give_the_same_state() -> None:
    # Six events, one a re-emission of the same fact: 720 orders, each also with duplicates.
    events = [*LIFE, StepEvent("started", 2, at(3))]
    expected = fold(events)
    rng = random.Random(20261123)
    for order in itertools.permutations(events):
        assert fold(order) == expected, order
        doubled = list(order) + rng.sample(order, k=rng.randint(1, len(order)))
        rng.shuffle(doubled)
        assert fold(doubled) == expected, doubled


def test_permutations_of_a_failing_step_agree_too() -> None:
    events = [
        STARTED_1,
        FAILED_1,
        STARTED_2,
        StepEvent("failed", 2, at(5), error="still refused", will_retry=True),
        StepEvent("started", 3, at(7)),
        StepEvent("failed", 3, at(8), error="gave up", will_retry=False),
    ]
    results = {fold(order) for order in itertools.permutations(events)}
    assert len(results) == 1
    (state,) = results
    assert state is not None
    assert (state.status, state.attempts, state.last_error, state.finished_at) == (
        StepStatus.FAILED,
        3,
        "gave up",
        at(8),
    )


def test_steps_sort_in_plan_order_and_unknown_ones_last() -> None:
    names = ["billing", "mystery", "preflight", "infrastructure", "database", "credentials"]
    assert sorted(names, key=step_sort_key) == [
        "preflight",
        "database",
        "credentials",
        "infrastructure",
        "billing",
        "mystery",
    ]
