"""The tenants' API keys (table `api_keys`): written by the management use cases and by the
provisioner's `tenant.api_key_issued` / `tenant.api_key_revoked`, in any order; read as frozen
`ApiKey`s. Verification reads the same table on its own path (verification.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.rows import from_row
from shared_schemas import Actor
from tenant_api.adapters.orm import api_keys as table
from tenant_api.adapters.orm import tenants
from tenant_api.domain.api_keys import INITIAL_NAME, ApiKey, KeyOrigin

_KEYS = select(table).where(table.c.public_id.is_not(None))  # not a revocation's marker
_OF_TENANT = _KEYS.where(table.c.tenant_id == bindparam("tenant_id"))
_ONE = _OF_TENANT.where(table.c.id == bindparam("key_id"))
_LIST = _OF_TENANT.order_by(table.c.created_at.desc(), table.c.id.desc())

# A public id already taken (60 random bits: about once in 10^12 keys made among a million)
# fails the insert, and the request with it, changing nothing: its retry draws another.
_ADD = insert(table)

# The provisioner's keys land only for a tenant known here (a key of no tenant verifies nothing).
# Given per key (the rest is the same for every initial key):
_GIVEN = ["id", "public_id", "key_hash", "scopes", "created_at", "created_by", "revoked_at"]
_initial = insert(table).from_select(
    ["tenant_id", "name", "origin", *_GIVEN],
    select(
        tenants.c.id,
        literal(INITIAL_NAME),
        literal(KeyOrigin.INITIAL.value),
        *(bindparam(name, type_=table.c[name].type) for name in _GIVEN),
    ).where(tenants.c.id == bindparam("tenant_id")),
)
# Registered once; over a revocation's marker (the revocation came first) it fills the key in,
# which stays revoked.
_REGISTER = _initial.on_conflict_do_update(
    index_elements=[table.c.id],
    set_={
        "public_id": _initial.excluded.public_id,
        "key_hash": _initial.excluded.key_hash,
        "scopes": _initial.excluded.scopes,
        "created_at": _initial.excluded.created_at,
        "created_by": _initial.excluded.created_by,
    },
    where=table.c.public_id.is_(None),
)
# A revocation of a key not registered (yet) leaves a marker; a second one changes nothing.
_REVOKED = _initial.on_conflict_do_update(
    index_elements=[table.c.id],
    set_={"revoked_at": func.coalesce(table.c.revoked_at, _initial.excluded.revoked_at)},
)


class ApiKeyRepository:
    """`uow.api_keys`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_for(self, tenant_id: UUID) -> list[ApiKey]:
        """Newest first."""
        rows = (await self._session.execute(_LIST, {"tenant_id": tenant_id})).all()
        return [_key(row) for row in rows]

    async def get(self, tenant_id: UUID, key_id: UUID, *, lock: bool = False) -> ApiKey | None:
        query = _ONE.with_for_update() if lock else _ONE
        row = (
            await self._session.execute(query, {"tenant_id": tenant_id, "key_id": key_id})
        ).first()
        return None if row is None else _key(row)

    async def add(self, key: ApiKey, key_hash: str) -> None:
        await self._session.execute(_ADD, _values(key) | {"key_hash": key_hash})

    async def register(self, key: ApiKey, key_hash: str) -> None:
        """The provisioner's initial key (a redelivery changes nothing)."""
        values = _values(key) | {"key_hash": key_hash}
        await self._session.execute(_REGISTER, {n: values[n] for n in ["tenant_id", *_GIVEN]})

    async def revoked(self, tenant_id: UUID, key_id: UUID, at: datetime) -> None:
        """The provisioner revoked a key: from now on, whether or not it is registered yet."""
        marker: dict[str, Any] = dict.fromkeys(_GIVEN) | {"scopes": [], "created_at": at}
        marker |= {"id": key_id, "tenant_id": tenant_id, "revoked_at": at}
        await self._session.execute(_REVOKED, marker)

    async def save(self, key: ApiKey) -> None:
        """A key's expiry and revocation, as the domain decided them."""
        await self._session.execute(
            update(table)
            .where(table.c.id == key.id)
            .values(expires_at=key.expires_at, revoked_at=key.revoked_at)
        )


def _values(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "tenant_id": key.tenant_id,
        "public_id": key.public_id,
        "name": key.name,
        "scopes": list(key.scopes),
        "origin": key.origin.value,
        "created_at": key.created_at,
        "created_by": None if key.created_by is None else key.created_by.model_dump(),
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "rotated_from": key.rotated_from,
    }


def _key(row: Any) -> ApiKey:
    return from_row(
        ApiKey,
        row,
        scopes=tuple(row.scopes),
        origin=KeyOrigin(row.origin),
        created_by=None if row.created_by is None else Actor.model_validate(row.created_by),
    )
