"""Domain objects from database rows, for a service's repositories."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    DataclassT = TypeVar("DataclassT", bound=DataclassInstance)
else:
    DataclassT = TypeVar("DataclassT")


def from_row(cls: type[DataclassT], row: Any, **converted: Any) -> DataclassT:
    """A `cls` from the row's column of the same name for each of its fields; `converted` gives
    the fields whose column needs turning into the domain's type first (an enum, a model)."""
    values = {
        f.name: converted[f.name] if f.name in converted else getattr(row, f.name)
        for f in fields(cls)
    }
    return cls(**values)
