"""The events the notifier's tests send, built as their producers build them: lead-verifier's
(its verification link sealed with the development key) and tenant-api's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from service_kit.sealing import Keyring
from service_kit.settings import DEV_VERIFICATION_LINK_KEY
from shared_schemas.events import (
    Contact,
    LeadCreated,
    LeadCreatedData,
    TenantActivated,
    TenantActivatedData,
    TenantOffboarded,
    TenantOffboardedData,
    TenantProvisioningFailed,
    TenantProvisioningFailedData,
    verification_link_binding,
)

TenantEvent = TypeVar("TenantEvent", TenantActivated, TenantProvisioningFailed, TenantOffboarded)

# The key the notifier's settings hold by default: what lead-verifier seals with by default.
DEV_LINKS = Keyring.parse(f"dev:{DEV_VERIFICATION_LINK_KEY}")


def lead_created(*, keyring: Keyring = DEV_LINKS, **data: Any) -> LeadCreated:
    lead_id = data.pop("lead_id", uuid.uuid4())
    suffix = uuid.uuid4().hex[:8]
    url = f"https://app.example/validate?id={lead_id}&code=secret-{suffix}"
    values: dict[str, Any] = {
        "lead_id": lead_id,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company_name": "Analytical Engines",
        "email": f"ada-{suffix}@engines.example",
        "account_exists": False,
        "verification_link": keyring.seal(url, verification_link_binding(lead_id)),
        "code_expires_at": datetime.now(UTC) + timedelta(hours=1),
    }
    values.update(data)
    return LeadCreated.build(
        LeadCreatedData(**values), producer="lead-verifier", correlation_id=lead_id
    )


def opened_link(event: LeadCreated) -> str:
    """The verification link sealed in `event` (for assertions on what was mailed)."""
    assert event.data.verification_link is not None
    return DEV_LINKS.open(
        event.data.verification_link, verification_link_binding(event.data.lead_id)
    )


def contact(**over: Any) -> Contact:
    suffix = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": f"grace-{suffix}@cobol.example",
    }
    values.update(over)
    return Contact(**values)


def _from_tenant_api(
    event_cls: type[TenantEvent],
    data_cls: Callable[..., Any],
    values: dict[str, Any],
    data: dict[str, Any],
    *,
    correlation_id: uuid.UUID | None = None,
) -> TenantEvent:
    """A tenant's event as tenant-api publishes it: `values` with the test's `data` laid over,
    the contact a new one unless given."""
    built = data_cls(**{"contact": contact(), **values, **data})
    return event_cls.build(
        built,
        producer="tenant-api",
        correlation_id=correlation_id or uuid.uuid4(),
        tenant_id=built.tenant_id,
    )


def tenant_activated(**data: Any) -> TenantActivated:
    values = {
        "tenant_id": uuid.uuid4(),
        "key": f"t{uuid.uuid4().hex[:8]}",
        "name": "Compiler Works",
        "app_url": "https://compiler.app.example",
    }
    return _from_tenant_api(TenantActivated, TenantActivatedData, values, data)


def provisioning_failed(**data: Any) -> TenantProvisioningFailed:
    pipeline_id = uuid.uuid4()
    values = {
        "tenant_id": uuid.uuid4(),
        "pipeline_id": pipeline_id,
        "step": "credentials",
        "reason": "injected fault: credentials (psycopg.OperationalError: role missing)",
    }
    return _from_tenant_api(
        TenantProvisioningFailed,
        TenantProvisioningFailedData,
        values,
        data,
        correlation_id=pipeline_id,
    )


def tenant_offboarded(**data: Any) -> TenantOffboarded:
    values = {"tenant_id": uuid.uuid4(), "key": f"t{uuid.uuid4().hex[:8]}"}
    return _from_tenant_api(TenantOffboarded, TenantOffboardedData, values, data)
