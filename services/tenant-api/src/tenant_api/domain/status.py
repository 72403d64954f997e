"""The tenant state machine (DESIGN §2): any transition not listed here is refused."""

from __future__ import annotations

from enum import StrEnum


class TenantStatus(StrEnum):
    PENDING_PROVISION = "PENDING_PROVISION"
    PROVISIONING = "PROVISIONING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    PROVISION_FAILED = "PROVISION_FAILED"
    CANCELLED = "CANCELLED"
    OFFBOARDING_SCHEDULED = "OFFBOARDING_SCHEDULED"  # read-only; restore undoes it
    DEPROVISIONING = "DEPROVISIONING"
    OFFBOARDED = "OFFBOARDED"


_S = TenantStatus
TRANSITIONS: dict[TenantStatus, frozenset[TenantStatus]] = {
    _S.PENDING_PROVISION: frozenset({_S.PROVISIONING, _S.DEPROVISIONING}),
    _S.PROVISIONING: frozenset({_S.ACTIVE, _S.PROVISION_FAILED, _S.CANCELLED}),
    # DEPROVISIONING at once from ACTIVE or SUSPENDED only when an admin skips the grace.
    _S.ACTIVE: frozenset({_S.SUSPENDED, _S.OFFBOARDING_SCHEDULED, _S.DEPROVISIONING}),
    _S.SUSPENDED: frozenset({_S.ACTIVE, _S.OFFBOARDING_SCHEDULED, _S.DEPROVISIONING}),
    _S.PROVISION_FAILED: frozenset({_S.PROVISIONING, _S.DEPROVISIONING}),
    _S.CANCELLED: frozenset({_S.PROVISIONING, _S.DEPROVISIONING}),
    # Restore goes back to the status it came from (the tenant remembers which).
    _S.OFFBOARDING_SCHEDULED: frozenset({_S.ACTIVE, _S.SUSPENDED, _S.DEPROVISIONING}),
    _S.DEPROVISIONING: frozenset({_S.OFFBOARDED}),
    _S.OFFBOARDED: frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: TenantStatus, target: TenantStatus) -> None:
        super().__init__(f"a tenant in {current} cannot become {target}")
        self.current = current
        self.target = target


def transition(
    current: TenantStatus, target: TenantStatus, *, only_from: TenantStatus | None = None
) -> TenantStatus:
    """The new status, or InvalidTransition if the machine does not allow it.

    `only_from` narrows the sources for commands that share a target: reactivating reaches
    ACTIVE only from SUSPENDED, completing a pipeline only from PROVISIONING.
    """
    if target not in TRANSITIONS[current] or (only_from is not None and current != only_from):
        raise InvalidTransition(current, target)
    return target
