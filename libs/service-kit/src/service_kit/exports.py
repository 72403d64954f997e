"""Where offboarding exports go (`EXPORT_URL`), and writing a file of one with its checksum.

An export is a folder `<tenant-key>-<tenant-id>/<export-id>` under `EXPORT_URL`; each service
writes only what it owns into it (tenant-api under `tenant-api/`, the provisioner under
`provisioner/`) and tenant-api adds `MANIFEST.json`. A file is written whole or not at all (a
`.part` name renamed on a disk, one PUT on S3), so a retried export overwrites, never appends.
The store is a directory (`file:///abs/dir`) or an S3-compatible bucket (`s3://bucket/prefix`,
`exports_s3.py`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol
from urllib.parse import unquote, urlsplit
from uuid import UUID

from pydantic import Field, field_validator

from service_kit.settings_mixin import SettingsMixin
from shared_schemas.events import ExportedFile, ExportRef

MANIFEST = "MANIFEST.json"


def _default_export_url() -> str:
    return Path("var/exports").resolve().as_uri()


class ExportSettings(SettingsMixin):
    """Mixin for the services that write exports (tenant-api, provisioner) or link to them
    (notifier). S3 credentials are boto3's own: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION (or a profile, or an instance role)."""

    export_url: str = Field(
        default_factory=_default_export_url,
        description="`file:///abs/dir` or `s3://bucket/prefix`; default: var/exports here.",
    )
    export_s3_endpoint_url: str | None = Field(
        default=None, description="An S3-compatible server's URL; unset: AWS S3."
    )
    export_link_days: float = Field(
        default=7.0, gt=0, le=7, description="Days a presigned link to an S3 export works."
    )

    @field_validator("export_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "file" and parts.path.startswith("/"):
            return value.rstrip("/")
        if parts.scheme == "s3" and parts.netloc and not parts.query:
            return value.rstrip("/")
        raise ValueError("EXPORT_URL must be file:///an/absolute/dir or s3://bucket/prefix")

    @field_validator("export_s3_endpoint_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class ExportFailed(RuntimeError):
    """The export store refused a write: nothing may be removed until it is retried and works.

    Deliberately no OSError: a full disk or a refused write is not an engine outage to wait
    out in place, but a failure the retry tiers and the DLQ carry to an operator.
    """


class ExportWriter(Protocol):
    async def write(self, chunk: bytes) -> None: ...


class ExportStore(Protocol):
    url: str

    def ref(self, tenant_key: str, tenant_id: UUID, export_id: UUID) -> ExportRef: ...

    def writer(
        self, folder: str, path: str, written: list[ExportedFile]
    ) -> AbstractAsyncContextManager[ExportWriter]:
        """Write one file of the export; appended to `written` (path, sha256, size) once whole."""
        ...

    async def put(self, folder: str, path: str, data: bytes, written: list[ExportedFile]) -> None:
        """Write a whole file at once."""
        ...


def export_folder(tenant_key: str, tenant_id: UUID, export_id: UUID) -> str:
    return f"{tenant_key}-{tenant_id}/{export_id}"


def relative(path: str) -> PurePosixPath:
    """A path inside the store: relative, and never climbing out."""
    inside = PurePosixPath(path)
    if inside.is_absolute() or ".." in inside.parts or not inside.parts:
        raise ValueError(f"an export path must be relative and stay inside: {path!r}")
    return inside


class Digesting:
    """Counts and hashes what passes on to `sink`: the checksum and size the manifest lists."""

    def __init__(self, sink: Callable[[bytes], Awaitable[object]]) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    async def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.size += len(chunk)
        await self._sink(chunk)

    def file(self, path: str) -> ExportedFile:
        return ExportedFile(path=path, sha256=self.digest.hexdigest(), size=self.size)


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
    ) -> AsyncIterator[ExportWriter]:
        target = self.root / relative(folder) / relative(path)
        partial = target.with_name(target.name + ".part")
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            handle = await asyncio.to_thread(partial.open, "wb")
        except OSError as exc:
            raise ExportFailed(f"cannot write {path} to the export store: {exc}") from exc
        try:
            with handle:
                out = Digesting(lambda chunk: asyncio.to_thread(handle.write, chunk))
                yield out
                await asyncio.to_thread(_flush, handle)
            await asyncio.to_thread(os.replace, partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ExportFailed(f"cannot write {path} to the export store: {exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        written.append(out.file(path))

    async def put(self, folder: str, path: str, data: bytes, written: list[ExportedFile]) -> None:
        async with self.writer(folder, path, written) as out:
            await out.write(data)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def open_store(settings: ExportSettings) -> ExportStore:
    """The store `EXPORT_URL` names."""
    if settings.export_url.startswith("s3://"):
        from service_kit.exports_s3 import S3ExportStore

        return S3ExportStore(settings.export_url, settings.export_s3_endpoint_url)
    return FileExportStore(settings.export_url)


async def fetch_links(location: str, settings: ExportSettings) -> list[str]:
    """How the tenant's contact fetches an export: for file://, its folder's path; for s3://,
    a presigned link to MANIFEST.json and to each file it lists, valid EXPORT_LINK_DAYS."""
    parts = urlsplit(location)
    if parts.scheme != "s3":
        return [unquote(parts.path)]
    from service_kit.exports_s3 import presigned_links

    return await presigned_links(
        location, settings.export_s3_endpoint_url, settings.export_link_days
    )
