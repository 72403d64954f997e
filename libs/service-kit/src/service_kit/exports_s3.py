"""Exports in an S3-compatible bucket (`EXPORT_URL=s3://bucket/prefix`), through boto3 in a
thread: each file is buffered (in memory, then on disk past 8 MiB) and sent in one upload, so
a file is there whole or not at all. Credentials and region are boto3's own settings."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from uuid import UUID

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from service_kit.exports import (
    MANIFEST,
    Digesting,
    ExportFailed,
    ExportWriter,
    export_folder,
    relative,
)
from shared_schemas.events import ExportedFile, ExportRef

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_IN_MEMORY = 8 * 1024 * 1024
_STORE_ERRORS = (BotoCoreError, ClientError)


def s3_client(endpoint_url: str | None) -> S3Client:
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=session.region_name or "us-east-1",
        # SigV4: a presigned link says how long it works (X-Amz-Expires), at most 7 days.
        config=Config(signature_version="s3v4"),
    )


def _bucket_and_key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc, parts.path.strip("/")


class S3ExportStore:
    def __init__(self, url: str, endpoint_url: str | None) -> None:
        self.url = url.rstrip("/")
        self.bucket, self.prefix = _bucket_and_key(self.url)
        self._client = s3_client(endpoint_url)

    def ref(self, tenant_key: str, tenant_id: UUID, export_id: UUID) -> ExportRef:
        folder = export_folder(tenant_key, tenant_id, export_id)
        return ExportRef(export_id=export_id, folder=folder, location=f"{self.url}/{folder}")

    def _key(self, folder: str, path: str) -> str:
        inside = f"{relative(folder)}/{relative(path)}"
        return f"{self.prefix}/{inside}" if self.prefix else inside

    @asynccontextmanager
    async def writer(
        self, folder: str, path: str, written: list[ExportedFile]
    ) -> AsyncIterator[ExportWriter]:
        key = self._key(folder, path)
        with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as buffer:

            async def keep(chunk: bytes) -> None:
                buffer.write(chunk)

            out = Digesting(keep)
            yield out
            buffer.seek(0)
            try:
                await asyncio.to_thread(self._client.upload_fileobj, buffer, self.bucket, key)
            except _STORE_ERRORS as exc:
                raise ExportFailed(f"cannot write {path} to the export store: {exc}") from exc
        written.append(out.file(path))

    async def put(self, folder: str, path: str, data: bytes, written: list[ExportedFile]) -> None:
        async with self.writer(folder, path, written) as out:
            await out.write(data)


async def presigned_links(location: str, endpoint_url: str | None, days: float) -> list[str]:
    """A presigned GET of MANIFEST.json and of each file it lists, valid `days`."""
    client = s3_client(endpoint_url)
    bucket, folder = _bucket_and_key(location)

    def links() -> list[str]:
        manifest = client.get_object(Bucket=bucket, Key=f"{folder}/{MANIFEST}")["Body"].read()
        paths = [MANIFEST, *(f["path"] for f in json.loads(manifest)["files"])]
        return [
            client.generate_presigned_url(
                "get_object",
                Params={"Bucket": bucket, "Key": f"{folder}/{path}"},
                ExpiresIn=int(days * 86400),
            )
            for path in paths
        ]

    return await asyncio.to_thread(links)
