"""What may be done with a parked dead letter, decided without I/O."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tenant_api.domain.dead_letters import (
    PARKED,
    REPLAYED,
    DeadLetter,
    NotDiscardable,
    NotReplayable,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = timedelta(days=14)


def letter(*, occurred: datetime | None = None, **changes: Any) -> DeadLetter:
    body = json.dumps({"occurred_at": occurred.isoformat()} if occurred else {"x": 1})
    parked = DeadLetter(
        id=uuid.uuid4(),
        service="notifier",
        queue="notifier.dlq",
        dedupe_key="k",
        original_queue="notifier.mails",
        original_exchange=None,
        original_routing_key=None,
        message_id=None,
        event_id=None,
        event_type=None,
        tenant_id=None,
        correlation_id=None,
        reason="retries_exhausted",
        error=None,
        headers={},
        body=body.encode(),
        body_text=body,
        dead_lettered_at=None,
        stored_at=NOW,
        status=PARKED,
        replayed_at=None,
        resolved_at=None,
        replay_count=0,
        discarded_reason=None,
        acted_by=None,
    )
    return replace(parked, **changes)


def test_a_parked_letter_inside_the_window_is_replayable_and_discardable() -> None:
    fresh = letter(occurred=NOW - WINDOW + timedelta(seconds=1))
    fresh.ensure_replayable(NOW, WINDOW)
    fresh.ensure_discardable()
    letter().ensure_replayable(NOW, WINDOW)  # no readable occurred_at: never too old


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"status": REPLAYED}, "is REPLAYED; only PARKED ones are replayed"),
        ({"original_queue": None}, "names no original queue"),
        ({"occurred": NOW - WINDOW - timedelta(seconds=1)}, "older than DEAD_LETTER_REPLAY_DAYS"),
    ],
)
def test_a_replay_is_refused_saying_why(changes: dict[str, Any], why: str) -> None:
    with pytest.raises(NotReplayable, match=why):
        letter(**changes).ensure_replayable(NOW, WINDOW)


def test_only_a_parked_letter_is_discarded() -> None:
    with pytest.raises(NotDiscardable, match="is REPLAYED; only PARKED ones are discarded"):
        letter(status=REPLAYED).ensure_discardable()


def test_an_occurred_at_without_a_zone_is_taken_as_utc() -> None:
    naive = json.dumps({"occurred_at": "2026-01-01T00:00:00"})
    old = letter(body_text=naive)
    assert old.past_replay_window(NOW, WINDOW)
    assert not letter(body_text="not json").past_replay_window(NOW, WINDOW)
