"""A tenant's database access: suspended or not, by the newest of tenant-api's word on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# The ledger's kind for a role whose login a suspension turned off: recorded before the change,
# closed when reactivation gives the login back (or when the role itself goes).
LOGIN_SUSPENDED = "login_suspended"


@dataclass(frozen=True)
class AccessChange:
    """A suspension or a reactivation of a tenant, as of when tenant-api made it."""

    suspended: bool
    as_of: datetime
    event_id: UUID

    def supersedes(self, last: AccessChange | None) -> bool:
        """Newer than the last one applied. Events come late and out of order (a suspension
        retried after the reactivation that followed it, a replay): the newest holds."""
        return last is None or self.as_of > last.as_of
