"""The tenant's initial admin API key: made (hash kept here), handed over sealed in
`tenant.api_key_issued`, revoked with `tenant.api_key_revoked`. Nothing of it lives in Redis:
tenant-api keeps the sealed handover in its own database until it is fetched, once, and
registers the key (its public id, hash and scopes, which the event also carries) so that the
tenant's services can verify it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from provisioner import PRODUCER
from provisioner.adapters.ledger import LedgerEntries
from provisioner.adapters.orm import api_keys
from service_kit import api_keys as key_text
from service_kit.outbox import Outbox
from service_kit.sealing import Keyring
from shared_schemas.events import (
    ApiKeyIssued,
    ApiKeyIssuedData,
    ApiKeyRevoked,
    ApiKeyRevokedData,
    StepName,
    api_key_handover_binding,
)

_ADD = insert(api_keys)
_REVOKE = (
    update(api_keys)
    .where(api_keys.c.id == bindparam("key_id"), api_keys.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
    .returning(api_keys.c.tenant_id, api_keys.c.pipeline_id, api_keys.c.created_at)
)
# What the initial key may do: everything its tenant may.
INITIAL_SCOPES = ["admin"]
LIVE_OF_PIPELINE = select(api_keys.c.id).where(
    api_keys.c.pipeline_id == bindparam("pipeline_id"), api_keys.c.revoked_at.is_(None)
)


class InitialKeys:
    def __init__(self, session: AsyncSession, outbox: Outbox, ledger: LedgerEntries) -> None:
        self._session = session
        self._outbox = outbox
        self._ledger = ledger

    async def live_of(self, pipeline_id: UUID) -> UUID | None:
        """The pipeline's key, if one was made and is not revoked."""
        found: UUID | None = await self._session.scalar(
            LIVE_OF_PIPELINE, {"pipeline_id": pipeline_id}
        )
        return found

    async def issue(
        self,
        keys: Keyring,
        *,
        tenant_id: UUID,
        pipeline_id: UUID,
        handover_for: timedelta,
    ) -> tuple[UUID, str]:
        """A new key in the ledger and `api_keys` (its hash), its handover in the outbox; the
        id and the prefix. All in the unit of work's transaction."""
        key_id = uuid4()
        minted = key_text.mint()
        prefix = minted.plaintext[:12]  # `cpk_` and the public id's start: not secret
        await self._ledger.record(
            tenant_id=tenant_id,
            pipeline_id=pipeline_id,
            step=StepName.CREDENTIALS,
            kind="api_key",
            name=str(key_id),
        )
        await self._session.execute(
            _ADD,
            {
                "id": key_id,
                "tenant_id": tenant_id,
                "pipeline_id": pipeline_id,
                "prefix": prefix,
                "key_hash": minted.digest,
            },
        )
        data = ApiKeyIssuedData(
            tenant_id=tenant_id,
            api_key_id=key_id,
            prefix=prefix,
            key=keys.seal(minted.plaintext, api_key_handover_binding(key_id)),
            expires_at=datetime.now(UTC) + handover_for,
            public_id=minted.public_id,
            key_hash=minted.digest,
            scopes=INITIAL_SCOPES,
        )
        await self._outbox.add(
            ApiKeyIssued.build(
                data, producer=PRODUCER, correlation_id=pipeline_id, tenant_id=tenant_id
            )
        )
        return key_id, prefix

    async def revoke(self, key_id: UUID, handover_for: timedelta) -> bool:
        """Revoke the key and announce it (a handover not yet fetched goes); False if it was not
        live."""
        row = (
            await self._session.execute(_REVOKE, {"key_id": key_id, "at": datetime.now(UTC)})
        ).first()
        if row is None:
            return False
        data = ApiKeyRevokedData(
            tenant_id=row.tenant_id, api_key_id=key_id, expires_at=row.created_at + handover_for
        )
        await self._outbox.add(
            ApiKeyRevoked.build(
                data, producer=PRODUCER, correlation_id=row.pipeline_id, tenant_id=row.tenant_id
            )
        )
        return True
