"""`KeyVerifier`: whether a presented API key works, for the tenant's own services
(`POST /api-keys/verify`). The one place that explains why its answer is never stale.

A verification is one statement: the key's row and its tenant's row, joined, found by the
public id the key carries (a unique index), on the gateway's `AutocommitPool` (no ORM session,
no BEGIN or ROLLBACK). The secret is checked against the stored SHA-256 in constant time; then,
in a fixed order, the key's revocation and expiry and the tenant's status (domain/api_keys.py).
A wrong secret answers exactly as a key that does not exist (`unknown`).

Why a revocation or a suspension is refused at once, by every replica. Revoking a key
(`DELETE /tenants/{id}/api-keys/{keyId}`, or the provisioner's `tenant.api_key_revoked`) sets
`api_keys.revoked_at`; suspending a tenant sets `tenants.status`; each in a transaction that
has committed when the caller gets its answer. A verification is a statement that starts after
that commit, and under READ COMMITTED a statement sees every transaction committed before it
started (an autocommit statement as much as any), so it reads the revocation or the status,
whichever replica runs it. There is no cache, in the process or in Redis, to invalidate, and
nothing that could answer from before the change. Reactivation restores exactly what was there:
the keys themselves never changed. The price is one indexed lookup per verification; it assumes
the statement reads the primary (never a lagging replica), as the config read does.

`last_used_at` is a convenience, not a control: written at most once per
API_KEY_LAST_USED_RESOLUTION per key, by one conditional autocommit UPDATE after the answer has
gone (the read tells whether it is due), so verifications neither wait for it nor fail with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from service_kit import api_keys as key_text
from tenant_api.adapters.autocommit_pool import AutocommitPool
from tenant_api.api_keys.models import KeyAccepted, KeyRefused
from tenant_api.domain.api_keys import Refusal, refusal
from tenant_api.domain.status import TenantStatus

log = structlog.get_logger(__name__)

_LOOKUP = (
    "SELECT k.id, k.key_hash, k.scopes, k.expires_at, k.revoked_at, k.last_used_at,"
    " t.id AS tenant_id, t.key AS tenant_key, t.plan_id, t.status, t.config_generation"
    " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.public_id = $1"
)
# Of two replicas writing at once, one updates; the other's condition no longer holds.
_TOUCH = (
    "UPDATE api_keys SET last_used_at = $2"
    " WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)"
)


@dataclass(frozen=True)
class Verdict:
    answer: KeyAccepted | KeyRefused
    used: UUID | None = None  # the key whose `last_used_at` is due, if it is


class KeyVerifier:
    def __init__(self, pool: AutocommitPool, last_used_resolution: timedelta) -> None:
        self._pool = pool
        self._resolution = last_used_resolution

    async def verify(self, key: str) -> Verdict:
        public_id = key_text.public_id_of(key)
        if public_id is None:  # not even the shape of a key: nothing to look up
            return Verdict(KeyRefused(reason=Refusal.UNKNOWN))
        found = await self._pool.fetchrow(_LOOKUP, public_id)
        if found is None or not key_text.matches(key, found["key_hash"]):
            return Verdict(KeyRefused(reason=Refusal.UNKNOWN))
        now = datetime.now(UTC)
        refused = refusal(
            revoked_at=found["revoked_at"],
            expires_at=found["expires_at"],
            tenant_status=TenantStatus(found["status"]),
            now=now,
        )
        if refused is not None:
            return Verdict(KeyRefused(reason=refused))
        accepted = KeyAccepted(
            key_id=found["id"],
            tenant_id=found["tenant_id"],
            tenant_key=found["tenant_key"],
            plan=found["plan_id"],
            scopes=found["scopes"],
            config_generation=found["config_generation"],
            expires_at=found["expires_at"],
        )
        last = found["last_used_at"]
        due = last is None or last < now - self._resolution
        return Verdict(accepted, used=found["id"] if due else None)

    async def record_use(self, key_id: UUID) -> None:
        """Write `last_used_at` if still due; a failure is logged, never raised."""
        now = datetime.now(UTC)
        try:
            await self._pool.execute(_TOUCH, key_id, now, now - self._resolution)
        except Exception as exc:  # a convenience: nothing waits on it, nothing fails with it
            log.warning("API key use not recorded", key_id=str(key_id), error=repr(exc))
