"""Domain objects from rows: each field from its column, or converted as the caller says."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import SimpleNamespace

from service_kit.rows import from_row


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Paint:
    name: str
    colour: Colour
    litres: int = 1


def test_fields_come_from_their_columns_and_converted_ones_as_given() -> None:
    row = SimpleNamespace(name="signal", colour="red", litres=5, extra="ignored")
    paint = from_row(Paint, row, colour=Colour(row.colour))
    assert paint == Paint("signal", Colour.RED, 5)
    assert paint.colour is Colour.RED
