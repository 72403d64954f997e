"""The offboarded e-mail of an export on S3: a presigned link per file, each one working."""

from __future__ import annotations

import json
from typing import Any, cast

import httpx
import pytest

import service_kit_testing as kit
from notifier.settings import NotifierSettings
from service_kit.exports_s3 import s3_client
from service_kit_testing.s3 import S3Server

from ..conftest import OPS_EMAIL  # type: ignore[import-not-found]
from ..events import tenant_offboarded  # type: ignore[import-not-found]
from .test_tenant_emails import parts  # type: ignore[import-not-found]


@pytest.fixture
def settings(
    infra: kit.TestInfra, smtp: kit.SmtpSink, s3: S3Server, s3_export_url: str
) -> NotifierSettings:
    return cast(
        NotifierSettings,
        infra.settings(
            NotifierSettings,
            smtp_url=smtp.url,
            ops_email=OPS_EMAIL,
            export_url=s3_export_url,
            export_s3_endpoint_url=s3.endpoint_url,
            export_link_days=2,
        ),
    )


async def test_the_contact_gets_working_links_valid_export_link_days(
    send: kit.Publish, smtp: Any, settings: NotifierSettings, s3: S3Server
) -> None:
    folder = "exports/acme-1f0e/5a7c"
    bucket = settings.export_url.removeprefix("s3://").split("/")[0]
    manifest = {"files": [{"path": "tenant-api/tenant.json", "sha256": "0" * 64, "size": 13}]}
    client = s3_client(s3.endpoint_url)
    client.put_object(Bucket=bucket, Key=f"{folder}/MANIFEST.json", Body=json.dumps(manifest))
    client.put_object(Bucket=bucket, Key=f"{folder}/tenant-api/tenant.json", Body=b'{"k": "acme"}')

    event = tenant_offboarded(export_location=f"s3://{bucket}/{folder}")
    await send(event)
    (message,) = await smtp.wait_for(1)
    text, rich = parts(message)
    links = [line for line in text.splitlines() if line.startswith(s3.endpoint_url)]
    assert len(links) == 2  # MANIFEST.json, then each file it lists
    assert all("X-Amz-Expires=172800" in link for link in links)  # EXPORT_LINK_DAYS=2
    assert all(link in rich for link in links)
    async with httpx.AsyncClient() as http:
        fetched = [await http.get(link) for link in links]
    assert json.loads(fetched[0].content) == manifest
    assert fetched[1].content == b'{"k": "acme"}'
