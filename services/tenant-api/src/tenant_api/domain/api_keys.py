"""The initial admin API key's rule: only an ACTIVE tenant's key is re-issued. No I/O."""

from __future__ import annotations

from tenant_api.domain.errors import DomainError
from tenant_api.domain.status import TenantStatus


class KeyNotReissuable(DomainError):
    """The tenant is not ACTIVE (the gateway answers 409)."""

    def __init__(self, status: TenantStatus) -> None:
        super().__init__(f"The tenant is {status.value}; only an ACTIVE tenant's key is re-issued.")
        self.status = status


def ensure_reissuable(status: TenantStatus) -> None:
    if status is not TenantStatus.ACTIVE:
        raise KeyNotReissuable(status)
