"""Bodies of PATCH routes: a field left out stays as it is; null is refused unless allowed."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationInfo, field_validator

from shared_schemas.api.base import ApiModel


class PatchIn(ApiModel):
    NULLABLE: ClassVar[frozenset[str]] = frozenset()  # fields where null means "remove"

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("must not be null; leave the field out to keep it as it is")
        return value
