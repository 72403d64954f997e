"""The parking lot's API schemas, and how a dead letter is shown."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from shared_schemas.api.base import ApiModel
from shared_schemas.api.instants import Instant
from tenant_api.domain.dead_letters import DeadLetter, DeadLetterAction
from tenant_api.web.paging import CursorPage

Status = Literal["PARKED", "REPLAYED", "DISCARDED"]


class DeadLetterOut(ApiModel):
    # What was parked is shown as it is: a body or an error is not input to be tidied up.
    model_config = ConfigDict(**{**ApiModel.model_config, "str_strip_whitespace": False})

    id: UUID
    service: str
    queue: str
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
    dead_lettered_at: datetime | None
    stored_at: datetime
    status: Status
    replayed_at: datetime | None
    replay_count: int
    discarded_reason: str | None
    acted_by: str | None


class ActionOut(ApiModel):
    action: str
    actor: str
    reason: str | None
    at: datetime


class DeadLetterDetail(DeadLetterOut):
    headers: dict[str, Any]
    death_history: list[Any] = Field(description="The broker's `x-death` entries, newest first.")
    body_text: str | None = Field(description="The body as text, when it is UTF-8.")
    body_base64: str = Field(description="The exact bytes of the body.")
    actions: list[ActionOut]


class DeadLetterPage(CursorPage[DeadLetterOut]):
    pass


class FilterIn(ApiModel):
    service: str | None = Field(default=None, max_length=100)
    event_type: str | None = Field(default=None, max_length=100)
    tenant_id: UUID | None = None
    reason: str | None = Field(default=None, max_length=100)
    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None


class BulkReplayIn(FilterIn):
    dry_run: bool = False
    limit: int = Field(default=100, ge=1, le=1000)


class BulkReplayOut(ApiModel):
    dry_run: bool
    matched: int
    replayed: int
    failed: int
    too_old: int = Field(
        description="PARKED letters matching the filters whose event is older than "
        "DEAD_LETTER_REPLAY_DAYS: not replayed, not in `matched` or `items`; they can only be "
        "discarded."
    )
    items: list[DeadLetterOut]


class DiscardIn(ApiModel):
    reason: str = Field(min_length=1, max_length=1000)


def letter_out(letter: DeadLetter) -> DeadLetterOut:
    fields = DeadLetterOut.model_fields
    values = {f.name: getattr(letter, f.name) for f in dataclasses.fields(letter)}
    return DeadLetterOut.model_validate({k: v for k, v in values.items() if k in fields})


def letter_detail(letter: DeadLetter, done: list[DeadLetterAction]) -> DeadLetterDetail:
    base = letter_out(letter).model_dump()
    return DeadLetterDetail(
        **base,
        headers=letter.headers or {},
        death_history=_newest_first((letter.headers or {}).get("x-death")),
        body_text=letter.body_text,
        body_base64=base64.b64encode(bytes(letter.body)).decode(),
        actions=[ActionOut(action=a.action, actor=a.actor, reason=a.reason, at=a.at) for a in done],
    )


def _newest_first(deaths: Any) -> list[Any]:
    """`x-death` by time, newest first.

    The broker puts the latest queue first, but a message the consumer republishes to its next
    retry tier carries the list as it was, so across tiers the header's order is not the order.
    """
    if not isinstance(deaths, list):
        return []
    return sorted(
        deaths, key=lambda d: str(d.get("time", "")) if isinstance(d, dict) else "", reverse=True
    )
