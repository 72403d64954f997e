"""Whole lists of one tenant's things: the `{items, count}` body, read only if the tenant exists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, Self, TypeVar
from uuid import UUID

from shared_schemas.api.base import ApiModel

if TYPE_CHECKING:
    # Only for annotations: the API models that use `ItemList` stay free of the adapters.
    from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
    from tenant_api.runtime import Runtime

Item = TypeVar("Item")
Found = TypeVar("Found")


class ItemList(ApiModel, Generic[Item]):
    """Every item at once (not a page), and how many there are."""

    items: list[Item]
    count: int

    @classmethod
    def of(cls, items: list[Item]) -> Self:
        return cls(items=items, count=len(items))


async def read_of_tenant(
    runtime: Runtime, tenant_id: UUID, read: Callable[[TenantApiUnitOfWork], Awaitable[Found]]
) -> Found:
    """What `read` finds for the tenant; 404 when there is no such tenant, so that an empty list
    always means a tenant with nothing, never a mistyped id."""
    async with runtime.uow() as uow:
        await uow.tenants.ensure_exists(tenant_id)
        return await read(uow)
