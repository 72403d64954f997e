"""schemathesis: generated requests against the running gateway never get a 5xx, and every
answer matches the gateway's own OpenAPI (status, content type, headers, body schema).

Generated, bounded and reproducible (derandomized, no example database): valid and invalid
inputs, times at the edges of what UTC can hold, as an admin, as a tenant on its own id, as
another tenant on that id, and with no token at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import formats
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service_kit.tokens import mint_token
from service_kit_testing import TestInfra
from tenant_api.settings import TenantApiSettings

from .conftest import Stack

if TYPE_CHECKING:
    # The case type of an Open API operation; schemathesis declares it for type checkers only.
    from schemathesis.specs.openapi.schemas import OpenApiCase

pytestmark = pytest.mark.e2e
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Offsets as far as they go: a year-1 time at +14:00 (or a year-9999 one at -14:00) is valid
# ISO 8601 but has no UTC equivalent.
OFFSETS = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))]
EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
]
TIMES = st.sampled_from(EDGE_TIMES) | st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31),
    timezones=st.sampled_from(OFFSETS),
).map(datetime.isoformat)


@pytest.fixture(scope="module")
def edge_times() -> Iterator[None]:
    """`format: date-time` values drawn from TIMES while this module runs."""
    before = formats.STRING_FORMATS.get("date-time")
    schemathesis.openapi.format("date-time", TIMES)
    yield
    formats.unregister_string_format("date-time")
    if before is not None:
        formats.STRING_FORMATS["date-time"] = before


def bearer(infra: TestInfra, role: str, **claims: Any) -> dict[str, str]:
    settings = infra.settings(TenantApiSettings)
    token = mint_token(settings, role=role, sub=f"fuzz:{role}", ttl=timedelta(hours=1), **claims)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def tenant_ids(stack: Stack, infra: TestInfra) -> list[str]:
    """Two onboarded tenants: the first is fuzzed on its own id, and by the second."""
    ids = []
    for n in range(2):
        key = f"fuzz{n}{datetime.now(UTC):%H%M%S%f}"[:20]
        body = {
            "key": key,
            "name": key,
            "domains": ["fuzz.example"],
            "tier": "pooled",
            "contact": {"firstName": "F", "lastName": "Z", "email": "f@fuzz.example"},
        }
        created = httpx.post(
            stack.gateway + "/tenants", json=body, headers=bearer(infra, "admin"), timeout=30
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def fuzz(
    stack: Stack,
    headers: dict[str, str],
    *,
    max_examples: int,
    modes: list[GenerationMode],
    tenant_id: str | None = None,
) -> None:
    """Every operation, `max_examples` each per mode; all failures are reported together.
    With `tenant_id`, a route that takes one is called on it (the caller's own, or not)."""
    schema = schemathesis.openapi.from_url(stack.gateway + "/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # a part of the gateway's own spec does not resolve
            raise result.err()
        operation = result.ok()
        operations += 1
        strategy = st.one_of([operation.as_strategy(generation_mode=mode) for mode in modes])

        @given(case=strategy)
        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: OpenApiCase) -> None:
            if tenant_id and "tenant_id" in (case.path_parameters or {}):
                case.path_parameters = {**(case.path_parameters or {}), "tenant_id": tenant_id}
            own_auth = "authorization" in {k.lower() for k in case.headers or {}}
            case.call_and_validate(headers={} if own_auth else dict(headers), checks=CHECKS)

        try:
            exercise()
        except Exception as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 15, "the gateway's spec lists its routes"
    assert failures == [], "\n\n".join(failures)


BOTH = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.mark.usefixtures("edge_times")
def test_as_an_admin(stack: Stack, infra: TestInfra) -> None:
    fuzz(stack, bearer(infra, "admin"), max_examples=30, modes=BOTH)


@pytest.mark.usefixtures("edge_times")
def test_as_a_tenant_on_its_own_id(stack: Stack, infra: TestInfra, tenant_ids: list[str]) -> None:
    own = bearer(infra, "tenant", tenant_id=tenant_ids[0])
    fuzz(stack, own, max_examples=8, modes=BOTH, tenant_id=tenant_ids[0])


@pytest.mark.usefixtures("edge_times")
def test_as_another_tenant(stack: Stack, infra: TestInfra, tenant_ids: list[str]) -> None:
    other = bearer(infra, "tenant", tenant_id=tenant_ids[1])
    fuzz(stack, other, max_examples=8, modes=BOTH, tenant_id=tenant_ids[0])


@pytest.mark.usefixtures("edge_times")
def test_with_no_token(stack: Stack) -> None:
    fuzz(stack, {}, max_examples=8, modes=BOTH)
