"""The export stores against what they write to: a directory, and a real S3-compatible server."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import httpx
import pytest

from service_kit.exports import (
    ExportFailed,
    ExportSettings,
    FileExportStore,
    fetch_links,
    open_store,
)
from service_kit.exports_s3 import S3ExportStore, s3_client
from service_kit_testing.s3 import S3Server
from shared_schemas.events import ExportedFile

TENANT = uuid.UUID("6f1c1f6e-8d1b-4d55-9a51-3f1c2b7a0c11")


def settings_for(url: str, s3: S3Server | None = None) -> ExportSettings:
    return ExportSettings(export_url=url, export_s3_endpoint_url=s3.endpoint_url if s3 else None)


async def write_two(store: FileExportStore | S3ExportStore, folder: str) -> list[ExportedFile]:
    written: list[ExportedFile] = []
    async with store.writer(folder, "provisioner/pooled/records.csv", written) as out:
        await out.write(b"id,payload\n")
        await out.write(b'1,"{""n"": 1}"\n')
    manifest = {"files": [f.model_dump() for f in written]}
    await store.put(folder, "MANIFEST.json", json.dumps(manifest).encode(), written)
    return written


async def test_a_directory_store_writes_whole_files_with_their_checksums(tmp_path: Path) -> None:
    store = open_store(settings_for((tmp_path / "exports").as_uri()))
    assert isinstance(store, FileExportStore)
    ref = store.ref("acme", TENANT, uuid.uuid4())
    assert ref.location == f"{(tmp_path / 'exports').as_uri()}/acme-{TENANT}/{ref.export_id}"

    written = await write_two(store, ref.folder)

    folder = tmp_path / "exports" / ref.folder
    for file in written:
        data = (folder / file.path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (file.sha256, file.size)
    assert not list(folder.rglob("*.part"))
    assert await fetch_links(ref.location, settings_for(store.url)) == [str(folder)]


async def test_a_refused_write_is_export_failed_and_leaves_no_part(tmp_path: Path) -> None:
    store = FileExportStore((tmp_path / "exports").as_uri())
    ref = store.ref("acme", TENANT, uuid.uuid4())
    blocker = tmp_path / "exports" / ref.folder / "tenant-api"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where a folder must go")
    written: list[ExportedFile] = []
    with pytest.raises(ExportFailed, match=r"cannot write tenant-api/tenant\.json"):
        await store.put(ref.folder, "tenant-api/tenant.json", b"{}", written)
    assert written == []
    with pytest.raises(ValueError, match="stay inside"):
        await store.put(ref.folder, "../../escape", b"x", written)


async def test_an_s3_store_uploads_each_file_and_links_to_them_presigned(
    s3: S3Server, s3_export_url: str
) -> None:
    settings = settings_for(s3_export_url, s3)
    store = open_store(settings)
    assert isinstance(store, S3ExportStore)
    ref = store.ref("acme", TENANT, uuid.uuid4())
    assert ref.location == f"{s3_export_url}/acme-{TENANT}/{ref.export_id}"

    written = await write_two(store, ref.folder)

    client = s3_client(s3.endpoint_url)
    bucket = s3_export_url.removeprefix("s3://").split("/")[0]
    for file in written:
        key = f"exports/{ref.folder}/{file.path}"
        data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (file.sha256, file.size)

    links = await fetch_links(ref.location, settings)
    assert len(links) == 2  # the manifest, then the one file it lists
    async with httpx.AsyncClient() as http:
        fetched = [(await http.get(link)) for link in links]
    assert [r.status_code for r in fetched] == [200, 200]
    assert json.loads(fetched[0].content)["files"][0]["path"] == "provisioner/pooled/records.csv"
    assert fetched[1].content == b'id,payload\n1,"{""n"": 1}"\n'
    assert all("X-Amz-Expires=604800" in link for link in links)  # EXPORT_LINK_DAYS, 7


async def test_an_s3_store_that_refuses_is_export_failed(s3: S3Server, s3_export_url: str) -> None:
    missing = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/exports"
    store = open_store(settings_for(missing, s3))
    written: list[ExportedFile] = []
    with pytest.raises(ExportFailed, match=r"cannot write tenant-api/tenant\.json"):
        await store.put("acme-x/y", "tenant-api/tenant.json", b"{}", written)
    assert written == []
