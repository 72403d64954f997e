"""schemathesis: generated requests against the running gateway never get a 5xx, and every
answer matches the gateway's own OpenAPI (status, content type, headers, body schema)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service_kit.testing import TestInfra
from service_kit.tokens import mint_token
from tenant_api.settings import TenantApiSettings

from .conftest import Stack  # type: ignore[import-not-found]

pytestmark = pytest.mark.e2e
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="session")
def admin(infra: TestInfra) -> dict[str, str]:
    token = mint_token(
        infra.settings(TenantApiSettings), role="admin", sub="fuzz", ttl=timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {token}"}


def test_gateway_answers_match_its_openapi(stack: Stack, admin: dict[str, str]) -> None:
    """Every operation, bounded examples each; all failures are reported together."""
    schema = schemathesis.openapi.from_url(stack.gateway + "/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            own_auth = "authorization" in {k.lower() for k in case.headers or {}}
            case.call_and_validate(headers={} if own_auth else dict(admin), checks=CHECKS)

        try:
            exercise()
        except Exception as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 15, "the gateway's spec lists its routes"
    assert failures == [], "\n\n".join(failures)
