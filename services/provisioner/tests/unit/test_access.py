"""The newest of a tenant's suspensions and reactivations holds, whatever order they come in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from provisioner.domain.access import AccessChange

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def change(suspended: bool, seconds: float) -> AccessChange:
    return AccessChange(
        suspended=suspended, as_of=T0 + timedelta(seconds=seconds), event_id=uuid.uuid4()
    )


def test_the_first_change_applies() -> None:
    assert change(True, 0).supersedes(None)


def test_a_newer_change_applies() -> None:
    assert change(False, 1).supersedes(change(True, 0))


def test_a_change_older_than_the_last_one_applied_does_not() -> None:
    late_suspension = change(True, 0)
    assert not late_suspension.supersedes(change(False, 1))


def test_a_change_of_the_same_instant_does_not() -> None:
    assert not change(True, 0).supersedes(change(False, 0))
