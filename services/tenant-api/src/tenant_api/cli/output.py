"""How tenantctl prints what it lists: aligned columns under a header, or the answer as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def page(
    answer: dict[str, Any],
    *,
    header: tuple[str, ...],
    row: Callable[[dict[str, Any]], tuple[Any, ...]],
    noun: str,
    path: str,
) -> None:
    """A cursor page of `GET path`: a table, its count of `noun`s, and how to get the next page."""
    table(header, [row(item) for item in answer["items"]])
    more = f" (more: `GET {path}?after=<nextCursor>`)" if answer.get("nextCursor") else ""
    print(f"{len(answer['items'])} {noun}(s){more}")


def printed_as_json(answer: Any, wanted: bool) -> bool:
    """Print the answer as JSON if `--json` asked for it; whether it did."""
    if wanted:
        print(json.dumps(answer, indent=2))
    return wanted
