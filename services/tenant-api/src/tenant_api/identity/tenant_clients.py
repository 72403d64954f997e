"""`auth.TenantClients` from the table the identity step's events fill: which tenant a client of
the configured provider was registered for.

One statement per provider token that names a client other than the console's and the CLI's,
on the primary key (client_id, issuer), on the gateway's `AutocommitPool`. Not cached: a
removal (compensation, offboarding) holds on every replica from the next request on.

A token of a removed client is refused outright (`ClientRemoved`, a 401 like any invalid
token) rather than judged by its claims: it was issued to a tenant's users, and whatever role
claim their accounts carry must not make it anything else once the tenant's client is gone.
"""

from __future__ import annotations

from uuid import UUID

from tenant_api.adapters.autocommit_pool import AutocommitPool

_TENANT_OF = (
    "SELECT tenant_id, removed_at IS NOT NULL AS removed FROM tenant_identity_clients"
    " WHERE client_id = $1 AND issuer = $2"
)


class ClientRemoved(ValueError):
    """The token's client was a tenant's and has been removed. A ValueError, which
    `auth.decode_principal` answers as an invalid token (401)."""


class RegisteredTenantClients:
    def __init__(self, pool: AutocommitPool, issuer: str) -> None:
        self._pool = pool
        self._issuer = issuer

    async def tenant_of_client(self, client_id: str) -> UUID | None:
        """The tenant the client is live for; None: not a tenant's client at all."""
        found = await self._pool.fetchrow(_TENANT_OF, client_id, self._issuer)
        if found is None:
            return None
        if found["removed"]:
            raise ClientRemoved(f"client {client_id} was removed")
        tenant_id: UUID = found["tenant_id"]
        return tenant_id
