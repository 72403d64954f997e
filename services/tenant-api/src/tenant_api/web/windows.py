"""A time window given by two query parameters: its start may not come after its end."""

from __future__ import annotations

from datetime import datetime

from service_kit.problems import Unprocessable


def check_window(
    start: datetime | None, end: datetime | None, *, start_param: str, end_param: str
) -> None:
    """422 naming `start_param` when both are given and the start is after the end."""
    if start and end and start > end:
        msg = f"{start_param} is after {end_param}"
        raise Unprocessable(
            msg, errors=[{"loc": ["query", start_param], "msg": msg, "type": "invalid_range"}]
        )
