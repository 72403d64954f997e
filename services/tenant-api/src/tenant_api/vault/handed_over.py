"""Secrets the provisioner hands over sealed for the vault (a database login, an OpenID
client's secrets): opened, parsed, and checked against the tenant they name."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

import structlog
from pydantic import BaseModel

from service_kit.sealing import Keyring
from shared_schemas import Actor
from shared_schemas.events import Sealed
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork

log = structlog.get_logger(__name__)

# Who stored it when no caller asked (a step of a pipeline).
PROVISIONER = Actor(sub="provisioner", role="service")

T = TypeVar("T", bound=BaseModel)


async def opened_for_tenant(
    uow: TenantApiUnitOfWork,
    handover: Keyring,
    sealed: Sealed,
    *,
    binding: str,
    contract: type[T],
    tenant_id: UUID,
    what: str,
) -> T | None:
    """The plaintext as `contract`, or None when the tenant is unknown here (logged).

    An unopenable value raises, and its message is dead-lettered (`sealed_value_unreadable`)
    rather than kept unreadable."""
    value = contract.model_validate_json(handover.open(sealed, binding))
    if not await uow.tenants.exists(tenant_id):
        log.warning(f"{what} of an unknown tenant; ignored")
        return None
    return value
