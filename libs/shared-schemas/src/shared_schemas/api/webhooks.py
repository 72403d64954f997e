"""The body a third party's pipeline posts back (ARC-compatible shape)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.api.base import ApiModel


class CallbackData(ApiModel):
    status: Literal[0, 1] = Field(description="1: the pipeline succeeded; 0: it failed.")
    resources: list[Any] = Field(default_factory=list, max_length=100)
    app_plane_url: str | None = Field(default=None, max_length=2000)


class ProvisioningCallback(ApiModel):
    initiator_id: UUID = Field(description="The tenant id.")
    type: Literal[0] = 0
    data: CallbackData
