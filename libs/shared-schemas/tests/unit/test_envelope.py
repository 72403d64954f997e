"""Envelope.build: a follow-up event inherits its causation and tenant from its cause."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from shared_schemas import Actor
from shared_schemas.events import (
    PipelineRef,
    ProvisioningCancelled,
    ProvisioningCancelledData,
    TenantCancelRequested,
)

TENANT = UUID("8f14e45f-ceea-4c3a-9b1d-2a7c6e5d4b31")
PIPELINE = UUID("c9f0f895-fb98-4b91-8a7e-1d2c3b4a5e6f")
REF = PipelineRef(tenant_id=TENANT, pipeline_id=PIPELINE)
CANCELLED = ProvisioningCancelledData(tenant_id=TENANT, pipeline_id=PIPELINE)


def _cause(tenant_id: UUID | None = TENANT) -> TenantCancelRequested:
    return TenantCancelRequested.build(
        REF, producer="tenant-api", correlation_id=PIPELINE, tenant_id=tenant_id
    )


def test_build_copies_causation_and_tenant_from_the_causing_event() -> None:
    cause = _cause()

    event = ProvisioningCancelled.build(
        CANCELLED, producer="provisioner", correlation_id=PIPELINE, causation=cause
    )

    assert event.causation_id == cause.id
    assert event.tenant_id == TENANT
    assert event.id != cause.id
    assert (event.type, event.version) == ("provisioning.cancelled", 1)


def test_build_prefers_an_explicit_tenant_over_the_causing_events() -> None:
    other = UUID("00000000-0000-4000-8000-0000000000aa")

    event = ProvisioningCancelled.build(
        CANCELLED,
        producer="provisioner",
        correlation_id=PIPELINE,
        causation=_cause(),
        tenant_id=other,
    )

    assert event.tenant_id == other


def test_build_without_a_cause_has_no_causation_and_an_aware_timestamp() -> None:
    event = TenantCancelRequested.build(REF, producer="tenant-api", correlation_id=PIPELINE)

    assert event.causation_id is None
    assert event.tenant_id is None
    assert event.occurred_at.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - event.occurred_at).total_seconds()) < 60


def test_a_reaction_inherits_the_actor_of_its_cause_unless_it_names_its_own() -> None:
    admin, service = Actor(sub="ops:grace", role="admin"), Actor(sub="sweeper", role="service")
    cause = TenantCancelRequested.build(
        REF, producer="tenant-api", correlation_id=PIPELINE, tenant_id=TENANT, actor=admin
    )

    inherited = ProvisioningCancelled.build(
        CANCELLED, producer="provisioner", correlation_id=PIPELINE, causation=cause
    )
    own = ProvisioningCancelled.build(
        CANCELLED, producer="provisioner", correlation_id=PIPELINE, causation=cause, actor=service
    )
    unprompted = ProvisioningCancelled.build(
        CANCELLED, producer="provisioner", correlation_id=PIPELINE
    )

    assert (inherited.actor, own.actor, unprompted.actor) == (admin, service, None)
    assert "actor" not in unprompted.model_dump(mode="json"), "unchanged on the wire"
    assert TenantCancelRequested.model_validate_json(cause.model_dump_json()).actor == admin
