"""Base for public API bodies: camelCase on the wire, unknown fields refused, text storable."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel


def _check_text(value: str) -> None:
    # PostgreSQL stores neither NUL nor text that is not valid UTF-8 (lone surrogates): refuse
    # them here, as a 422, instead of failing at the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc


class ApiModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, str_strip_whitespace=True
    )

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        if isinstance(value, dict):
            items = [*value.keys(), *value.values()]
        for item in items:
            if isinstance(item, str):
                _check_text(item)
        return value


class AddressIn(ApiModel):
    address: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: str | None = Field(default=None, max_length=100)
    zip: str | None = Field(default=None, max_length=20)
    country: str = Field(min_length=2, max_length=100)
