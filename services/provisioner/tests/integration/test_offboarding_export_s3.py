"""The same export to an S3-compatible store (a real server, started for the run)."""

from __future__ import annotations

import hashlib

import pytest

from provisioner.settings import ProvisionerSettings
from service_kit.exports_s3 import s3_client
from service_kit_testing import TestInfra
from service_kit_testing.s3 import S3Server
from shared_schemas.events import Tier

from ..saga import SagaWatch  # type: ignore[import-not-found]
from .test_offboarding_export import offboarding, rows  # type: ignore[import-not-found]


@pytest.fixture
def settings(infra: TestInfra, s3: S3Server, s3_export_url: str) -> ProvisionerSettings:
    return infra.settings(
        ProvisionerSettings,
        pipeline_driver="manual",
        provisioner_poll_interval=0.05,
        export_url=s3_export_url,
        export_s3_endpoint_url=s3.endpoint_url,
    )


async def test_a_pooled_tenant_is_exported_to_s3_then_removed(
    saga: SagaWatch, settings: ProvisionerSettings, s3: S3Server
) -> None:
    s = await saga("provisioning.*", "tenant.deprovisioned")
    req = await s.provisioned(Tier.POOLED)
    record_id = await s.tenant_db(
        "INSERT INTO pooled.records (tenant_id, payload) VALUES ($1, '{\"n\": 7}') RETURNING id",
        req.data.tenant_id,
    )
    asked = offboarding(req, settings)
    assert asked.data.export is not None
    assert asked.data.export.location.startswith(settings.export_url + "/")
    await s.publish(asked)
    gone = await s.outcome(req, "tenant.deprovisioned")
    await s.resources_gone(req)

    bucket, _, prefix = settings.export_url.removeprefix("s3://").partition("/")
    client = s3_client(s3.endpoint_url)
    (file,) = gone.data.exported_files
    key = f"{prefix}/{asked.data.export.folder}/{file.path}"
    data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert (hashlib.sha256(data).hexdigest(), len(data)) == (file.sha256, file.size)
    assert [(r["id"], r["payload"]) for r in rows(data)] == [(str(record_id), '{"n": 7}')]
