"""Who asked for something, as answers show it (the timeline's entries, API keys' makers)."""

from __future__ import annotations

from shared_schemas.api.base import ApiModel


class ActorOut(ApiModel):
    sub: str
    role: str
