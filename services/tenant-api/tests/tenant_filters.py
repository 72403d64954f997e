"""Filters that neither the tenant list nor the tenant count accepts: both parse them alike."""

from __future__ import annotations

INVALID_FILTERS: list[dict[str, str]] = [
    {"status": "SLEEPING"},
    {"tier": "gold"},
    {"keyPrefix": "UPPER"},
    {"keyPrefix": "a%"},
    {"createdFrom": "2020-01-01T00:00:00"},  # no time zone
    {"createdFrom": "2021-01-01T00:00:00Z", "createdTo": "2020-01-01T00:00:00Z"},
]
