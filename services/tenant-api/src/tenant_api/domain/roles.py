"""Who a caller is, as a token's `role` claim says."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    TENANT = "tenant"
    LEAD = "lead"
