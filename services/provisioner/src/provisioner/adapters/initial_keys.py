"""The tenant's initial admin API key: made (hash kept here), handed over sealed in
`tenant.api_key_issued`, revoked with `tenant.api_key_revoked`. Nothing of it lives in Redis:
tenant-api keeps the sealed handover in its own database until it is fetched, once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert, update

from provisioner.adapters.ledger import Ledger
from provisioner.adapters.orm import api_keys
from service_kit.db import UnitOfWork
from service_kit.sealing import Keyring
from shared_schemas.events import (
    ApiKeyIssued,
    ApiKeyIssuedData,
    ApiKeyRevoked,
    ApiKeyRevokedData,
    api_key_handover_binding,
)

PRODUCER = "provisioner"

_ADD = insert(api_keys)
_REVOKE = (
    update(api_keys)
    .where(api_keys.c.id == bindparam("key_id"), api_keys.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
    .returning(api_keys.c.tenant_id, api_keys.c.pipeline_id, api_keys.c.created_at)
)


async def issue(
    uow: UnitOfWork,
    keys: Keyring,
    *,
    tenant_id: UUID,
    tenant_key: str,
    pipeline_id: UUID,
    handover_for: timedelta,
) -> tuple[UUID, str]:
    """A new key in the ledger and `api_keys` (its hash), its handover in the outbox; the id
    and the prefix. All in `uow`'s transaction."""
    key_id = uuid4()
    plaintext = f"cp_{tenant_key}_{secrets.token_urlsafe(32)}"
    await Ledger.record_in(
        uow.session,
        tenant_id=tenant_id,
        pipeline_id=pipeline_id,
        step="credentials",
        kind="api_key",
        name=str(key_id),
    )
    await uow.session.execute(
        _ADD,
        {
            "id": key_id,
            "tenant_id": tenant_id,
            "pipeline_id": pipeline_id,
            "prefix": plaintext[:12],
            "key_hash": hashlib.sha256(plaintext.encode()).hexdigest(),
        },
    )
    data = ApiKeyIssuedData(
        tenant_id=tenant_id,
        api_key_id=key_id,
        prefix=plaintext[:12],
        key=keys.seal(plaintext, api_key_handover_binding(key_id)),
        expires_at=datetime.now(UTC) + handover_for,
    )
    await uow.outbox.add(
        ApiKeyIssued.build(data, producer=PRODUCER, correlation_id=pipeline_id, tenant_id=tenant_id)
    )
    return key_id, plaintext[:12]


async def revoke(uow: UnitOfWork, key_id: UUID, handover_for: timedelta) -> bool:
    """Revoke the key and announce it (a handover not yet fetched goes); False if it was not
    live."""
    row = (await uow.session.execute(_REVOKE, {"key_id": key_id, "at": datetime.now(UTC)})).first()
    if row is None:
        return False
    data = ApiKeyRevokedData(
        tenant_id=row.tenant_id, api_key_id=key_id, expires_at=row.created_at + handover_for
    )
    await uow.outbox.add(
        ApiKeyRevoked.build(
            data, producer=PRODUCER, correlation_id=row.pipeline_id, tenant_id=row.tenant_id
        )
    )
    return True
