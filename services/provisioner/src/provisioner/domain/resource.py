"""A resource in the ledger: something a step made, listed before and after the effect."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class ResourceStatus(StrEnum):
    CREATING = "CREATING"  # written before the effect: it may or may not exist
    CREATED = "CREATED"
    DELETED = "DELETED"


@dataclass(frozen=True)
class Resource:
    id: UUID
    tenant_id: UUID
    pipeline_id: UUID
    kind: str
    name: str
    status: ResourceStatus

    @property
    def label(self) -> str:
        """How outcomes name it: `kind:name`."""
        return f"{self.kind}:{self.name}"
