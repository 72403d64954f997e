"""The events a test sends the provisioner, as its peers (tenant-api, webhook-receiver) would."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from service_kit_testing import standard_plan
from shared_schemas import Envelope
from shared_schemas.events import (
    Contact,
    PipelineRef,
    PlanFacts,
    TenantCancelRequested,
    TenantProvisioningRequested,
    TenantProvisioningRequestedData,
    Tier,
    WebhookReceived,
    WebhookReceivedData,
    WebhookRunRegistered,
    WebhookRunRegisteredData,
)

E = TypeVar("E", bound=Envelope)
STANDARD = standard_plan()


def request(
    tier: Tier, *, plan: PlanFacts = STANDARD, key: str | None = None
) -> TenantProvisioningRequested:
    tenant_id, pipeline_id = uuid.uuid4(), uuid.uuid4()
    return TenantProvisioningRequested.build(
        TenantProvisioningRequestedData(
            tenant_id=tenant_id,
            pipeline_id=pipeline_id,
            key=key or "k" + uuid.uuid4().hex[:12],
            name="Acme",
            tier=tier,
            plan=plan,
            contact=Contact(first_name="Ada", last_name="Lovelace", email="ada@acme.example"),
            requested_by="test",
        ),
        producer="tenant-api",
        correlation_id=pipeline_id,
        tenant_id=tenant_id,
    )


def in_pipeline(req: TenantProvisioningRequested, event: type[E], data: Any, *, producer: str) -> E:
    """An event about the request's pipeline, correlated with it as its producer does."""
    d = req.data
    return event.build(data, producer=producer, correlation_id=d.pipeline_id, tenant_id=d.tenant_id)


def callback(req: TenantProvisioningRequested, *, succeeded: bool = True) -> WebhookReceived:
    """The signed callback of the request's external step, as webhook-receiver publishes it."""
    d = req.data
    received = WebhookReceivedData(
        delivery_id=uuid.uuid4(),
        tenant_id=d.tenant_id,
        pipeline_id=d.pipeline_id,
        scheme="arc",
        succeeded=succeeded,
        resources=[{"kind": "cluster"}],
        app_plane_url="https://acme.example.app",
    )
    return in_pipeline(req, WebhookReceived, received, producer="webhook-receiver")


def registered(req: TenantProvisioningRequested) -> WebhookRunRegistered:
    """webhook-receiver's word that it stored the run of the request's external step."""
    d = req.data
    run = WebhookRunRegisteredData(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id)
    return in_pipeline(req, WebhookRunRegistered, run, producer="webhook-receiver")


def cancel(req: TenantProvisioningRequested) -> TenantCancelRequested:
    """tenant-api's cancel of the request's pipeline."""
    d = req.data
    ref = PipelineRef(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id)
    return in_pipeline(req, TenantCancelRequested, ref, producer="tenant-api")
