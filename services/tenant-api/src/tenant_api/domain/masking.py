"""How a stored credential value is shown when it is not revealed."""

from __future__ import annotations

from collections.abc import Mapping

SHORT = "****"
SHOWN_FROM_LENGTH = 12  # below this, two characters at each end would give too much away


def mask(value: str) -> str:
    """`ab…yz` for a long value, `****` for a short one."""
    if len(value) < SHOWN_FROM_LENGTH:
        return SHORT
    return f"{value[:2]}…{value[-2:]}"


def mask_all(values: Mapping[str, str]) -> dict[str, str]:
    return {name: mask(value) for name, value in values.items()}
