"""How tenantctl prints what it lists: aligned columns under a header, or the answer as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tenant_api.cli.gateway import call


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def page(
    path: str,
    params: dict[str, Any],
    *,
    as_json: bool,
    header: tuple[str, ...],
    row: Callable[[dict[str, Any]], tuple[Any, ...]],
    noun: str,
) -> None:
    """A cursor page of `GET path`: as JSON if asked, else a table, its count of `noun`s, and
    how to get the next page."""
    answer = call("GET", path, params)
    if printed_as_json(answer, as_json):
        return
    table(header, [row(item) for item in answer["items"]])
    more = f" (more: `GET {path}?after=<nextCursor>`)" if answer.get("nextCursor") else ""
    print(f"{len(answer['items'])} {noun}(s){more}")


def printed_as_json(answer: Any, wanted: bool) -> bool:
    """Print the answer as JSON if `--json` asked for it; whether it did."""
    if wanted:
        print(json.dumps(answer, indent=2))
    return wanted


def labelled(rows: Iterable[tuple[str, Any]], *, width: int = 9) -> None:
    """One `label value` line a row, the values lined up `width` characters from the left."""
    for label, value in rows:
        print(f"{label:<{width}} {value}")


def postal(address: Mapping[str, Any]) -> str:
    """An address on one line, without the parts it does not have."""
    street, city, country = address["address"], address["city"], address["country"]
    parts = (street, city, address.get("state"), address.get("zip"), country)
    return ", ".join(part for part in parts if part)
