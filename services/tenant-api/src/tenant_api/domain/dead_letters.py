"""A parked dead letter, and what may be done with it: replayed while PARKED, with a queue to go
back to and its event inside the replay window; discarded while PARKED. No I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from tenant_api.domain.errors import DomainError

PARKED = "PARKED"
REPLAYED = "REPLAYED"
DISCARDED = "DISCARDED"

# Bookkeeping of earlier trips through retries and DLQs: not sent again on replay.
BOOKKEEPING_HEADERS = frozenset(
    {
        "x-death",
        "x-attempt",
        "x-outage-since",
        "x-delivery-count",
        "x-first-death-queue",
        "x-first-death-reason",
        "x-first-death-exchange",
        "x-last-death-queue",
        "x-last-death-reason",
        "x-last-death-exchange",
    }
)


@dataclass(frozen=True)
class Filters:
    """Which dead letters an operator asks for (every field optional, all must hold)."""

    service: str | None = None
    event_type: str | None = None
    tenant_id: UUID | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None


class DeadLetterRefused(DomainError):
    """The letter is not in a state for this action (the gateway answers 409 with the text)."""


class NotReplayable(DeadLetterRefused):
    pass


class NotDiscardable(DeadLetterRefused):
    pass


@dataclass(frozen=True)
class DeadLetter:
    """One message taken from a service's DLQ, as parked, and what operators did with it."""

    id: UUID
    service: str
    queue: str
    dedupe_key: str
    original_queue: str | None
    original_exchange: str | None
    original_routing_key: str | None
    message_id: str | None
    event_id: UUID | None
    event_type: str | None
    tenant_id: UUID | None
    correlation_id: UUID | None
    reason: str
    error: str | None
    headers: dict[str, Any]
    body: bytes
    body_text: str | None
    dead_lettered_at: datetime | None
    stored_at: datetime
    status: str
    replayed_at: datetime | None
    resolved_at: datetime | None
    replay_count: int
    discarded_reason: str | None
    acted_by: str | None

    def ensure_resendable(self) -> None:
        """PARKED, and naming the queue it goes back to (the replay window aside)."""
        if self.status != PARKED:
            raise NotReplayable(
                f"This dead letter is {self.status}; only PARKED ones are replayed."
            )
        if not self.original_queue:
            raise NotReplayable("This dead letter names no original queue to replay to.")

    def ensure_replayable(self, now: datetime, window: timedelta) -> None:
        self.ensure_resendable()
        if self.past_replay_window(now, window):
            raise NotReplayable(
                "This dead letter's event is older than DEAD_LETTER_REPLAY_DAYS; the consumers "
                "may no longer remember handling it, so a replay could take effect twice. "
                "Discard it."
            )

    def ensure_discardable(self) -> None:
        if self.status != PARKED:
            raise NotDiscardable(
                f"This dead letter is {self.status}; only PARKED ones are discarded."
            )

    def past_replay_window(self, now: datetime, window: timedelta) -> bool:
        """The letter's event is older than the window (DEAD_LETTER_REPLAY_DAYS): it may only be
        discarded.

        The consumers' inboxes remember an event for INBOX_RETENTION_DAYS, which the settings
        keep above this window: within it, a replayed copy of an event already handled is
        deduplicated.
        """
        occurred_at = event_occurred_at(self.body_text)
        return occurred_at is not None and now - occurred_at > window


@dataclass(frozen=True)
class DeadLetterAction:
    action: str
    actor: str
    reason: str | None
    at: datetime


def event_occurred_at(body_text: str | None) -> datetime | None:
    """When the dead letter's event happened (its envelope's `occurred_at`), if readable."""
    try:
        parsed = json.loads(body_text) if body_text else None
        value = parsed.get("occurred_at") if isinstance(parsed, dict) else None
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at


class _Parked(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def headers(self) -> dict[str, Any] | None: ...


def replay_headers(letter: _Parked) -> dict[str, Any]:
    """The headers a replay is published with: the original ones less the bookkeeping."""
    headers = {k: v for k, v in (letter.headers or {}).items() if k not in BOOKKEEPING_HEADERS}
    headers["x-replayed-from"] = str(letter.id)
    return headers
