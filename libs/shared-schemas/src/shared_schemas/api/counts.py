"""The answer of a `/count` route: how many items its list has, all pages together."""

from __future__ import annotations

from pydantic import Field

from shared_schemas.api.base import ApiModel


class CountOut(ApiModel):
    count: int = Field(ge=0, description="Items the list has with the same filters, every page.")
