"""A tenant's offboarding export: the files each service wrote, and the manifest that lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from service_kit.exports import MANIFEST
from shared_schemas.events import ExportedFile

__all__ = ["MANIFEST", "ExportEntry", "ExportStatus", "TenantExport"]


class ExportStatus(StrEnum):
    WRITING = "WRITING"  # tenant-api's files are written; the provisioner's are on their way
    COMPLETE = "COMPLETE"  # every file is there, with MANIFEST.json


@dataclass(frozen=True)
class ExportEntry:
    """One file of an export, relative to its folder, and the service that wrote it."""

    service: str
    path: str
    sha256: str
    size: int

    @classmethod
    def of(cls, service: str, file: ExportedFile) -> ExportEntry:
        return cls(service=service, path=file.path, sha256=file.sha256, size=file.size)


@dataclass(frozen=True)
class TenantExport:
    id: UUID
    tenant_id: UUID
    location: str
    status: ExportStatus
    files: tuple[ExportEntry, ...]
    started_at: datetime
    completed_at: datetime | None

    def manifest(
        self, tenant_key: str, *, adding: tuple[ExportEntry, ...], at: datetime
    ) -> dict[str, Any]:
        """MANIFEST.json's content: every file of both services with its checksum and size."""
        return {
            "export_id": str(self.id),
            "tenant_id": str(self.tenant_id),
            "tenant_key": tenant_key,
            "location": self.location,
            "started_at": self.started_at.isoformat(),
            "completed_at": at.isoformat(),
            "files": [
                {"service": f.service, "path": f.path, "sha256": f.sha256, "size": f.size}
                for f in (*self.files, *adding)
            ],
        }
