"""A point in time taken from a client: with its offset, and one that exists in UTC.

`0001-01-01T00:00:00+14:00` is a valid ISO 8601 time whose UTC equivalent falls before year 1;
the database (which stores UTC) could not take it, and a 500 would follow. Converted here, it
is a 422 naming the field instead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("must lie between years 1 and 9999 once converted to UTC") from exc


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
