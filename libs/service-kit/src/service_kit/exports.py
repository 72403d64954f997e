"""Where offboarding exports go (`EXPORT_URL`), and writing a file of one with its checksum.

An export is a folder `<tenant-key>-<tenant-id>/<export-id>` under `EXPORT_URL`; each service
writes only what it owns into it (tenant-api under `tenant-api/`, the provisioner under
`provisioner/`) and tenant-api adds `MANIFEST.json`. A file is written whole or not at all
(to a `.part` name, then renamed), so a retried export overwrites, never appends.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from uuid import UUID

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared_schemas.events import ExportedFile, ExportRef


def _default_export_url() -> str:
    return Path("var/exports").resolve().as_uri()


class ExportSettings(BaseSettings):
    """Mixin for the services that write (tenant-api, provisioner) or point at exports."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    export_url: str = Field(
        default_factory=_default_export_url,
        description="`file:///abs/dir`; default: var/exports under the working directory.",
    )

    @field_validator("export_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "file" or not parts.path.startswith("/"):
            raise ValueError("EXPORT_URL must be file:///an/absolute/dir")
        return value.rstrip("/")


class ExportFailed(RuntimeError):
    """The export store refused a write: nothing may be removed until it is retried and works.

    Deliberately no OSError: a full disk or a refused write is not an engine outage to wait
    out in place, but a failure the retry tiers and the DLQ carry to an operator.
    """


def export_folder(tenant_key: str, tenant_id: UUID, export_id: UUID) -> str:
    return f"{tenant_key}-{tenant_id}/{export_id}"


def _relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"an export path must be relative and stay inside: {path!r}")
    return relative


class _FileWriter:
    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    async def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.size += len(chunk)
        await asyncio.to_thread(self._handle.write, chunk)


class FileExportStore:
    """Exports in a local (or mounted) directory: `file:///abs/dir`."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.root = Path(unquote(urlsplit(self.url).path))

    def ref(self, tenant_key: str, tenant_id: UUID, export_id: UUID) -> ExportRef:
        folder = export_folder(tenant_key, tenant_id, export_id)
        return ExportRef(export_id=export_id, folder=folder, location=f"{self.url}/{folder}")

    @asynccontextmanager
    async def writer(
        self, folder: str, path: str, written: list[ExportedFile]
    ) -> AsyncIterator[_FileWriter]:
        """Write one file of the export; appended to `written` (path, sha256, size) once whole."""
        target = self.root / _relative(folder) / _relative(path)
        partial = target.with_name(target.name + ".part")
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            handle = await asyncio.to_thread(partial.open, "wb")
        except OSError as exc:
            raise ExportFailed(f"cannot write {path} to the export store: {exc}") from exc
        try:
            with handle:
                out = _FileWriter(handle)
                yield out
                await asyncio.to_thread(_flush, handle)
            await asyncio.to_thread(os.replace, partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ExportFailed(f"cannot write {path} to the export store: {exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        written.append(ExportedFile(path=path, sha256=out.digest.hexdigest(), size=out.size))

    async def put(self, folder: str, path: str, data: bytes, written: list[ExportedFile]) -> None:
        """Write a whole file at once."""
        async with self.writer(folder, path, written) as out:
            await out.write(data)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def open_store(settings: ExportSettings) -> FileExportStore:
    return FileExportStore(settings.export_url)


def fetch_hint(location: str) -> str:
    """How the tenant's contact fetches an export: for file://, its path."""
    parts = urlsplit(location)
    return unquote(parts.path) if parts.scheme == "file" else location
