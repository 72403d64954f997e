"""One tenant's saga is one trace across the five services, read back from an OTLP collector."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import httpx
import pytest

from service_kit_testing import SmtpSink, TestInfra

from .conftest import NAMES, Stack
from .otlp_collector import CollectedSpan, OtlpCollector
from .saga_client import admin_headers, mails_to, new_tenant, provision, settle, sign_up_and_onboard

pytestmark = pytest.mark.e2e
PROVISION_ROUTE = "POST /tenants/{tenant_id}/provision"
# The services the welcome e-mail's trace passes through, from the e-mail back to the request.
WELCOME_PATH = [
    "notifier",
    "tenant-api",
    "provisioner",
    "webhook-receiver",
    "provisioner",
    "tenant-api",
]
SERVER, CLIENT = 2, 3  # OTLP span kinds


def ancestry(span: CollectedSpan, spans: list[CollectedSpan]) -> list[CollectedSpan]:
    """`span`, its parent, the parent's parent, … up to the trace's first span."""
    by_id = {s.span_id: s for s in spans}
    chain = [span]
    while chain[-1].parent_id in by_id:
        chain.append(by_id[chain[-1].parent_id])
    return chain


def services_along(chain: list[CollectedSpan]) -> list[str]:
    """The services a chain of spans passes through, consecutive repeats collapsed."""
    services: list[str] = []
    for span in chain:
        if not services or services[-1] != span.service:
            services.append(span.service)
    return services


def one(spans: list[CollectedSpan], service: str, name: str) -> CollectedSpan:
    (found,) = [s for s in spans if s.service == service and s.name == name]
    return found


def whole(
    services: set[str], root_parent: str | None, *names: tuple[str, str]
) -> Callable[[list[CollectedSpan]], bool]:
    """True once the trace has spans of `services` and `names`, and no span's parent is
    missing (a parent ends, and is exported, after its children)."""

    def check(spans: list[CollectedSpan]) -> bool:
        ids = {s.span_id for s in spans}
        return (
            services <= {s.service for s in spans}
            and all(any((s.service, s.name) == n for s in spans) for n in names)
            and all(s.parent_id in ids or s.parent_id == root_parent for s in spans)
        )

    return check


async def test_a_clients_journey_from_sign_up_to_welcome_is_one_trace_through_all_five(
    stack: Stack, infra: TestInfra, smtp_sink: SmtpSink, otlp_collector: OtlpCollector
) -> None:
    trace_id, root_id = secrets.token_hex(16), secrets.token_hex(8)
    traced = {"traceparent": f"00-{trace_id}-{root_id}-01"}
    async with (
        httpx.AsyncClient(base_url=stack.gateway, timeout=10, headers=traced) as public,
        httpx.AsyncClient(
            base_url=stack.gateway, timeout=10, headers={**traced, **admin_headers(infra)}
        ) as admin,
    ):
        tenant, token = await sign_up_and_onboard(public, smtp_sink, "silo")
        started = await public.post(
            f"/tenants/{tenant['id']}/provision", headers={"Authorization": f"Bearer {token}"}
        )
        assert started.status_code == 202, started.text
        assert (await settle(admin, tenant["id"]))["status"] == "ACTIVE"
    _verification, welcome = await mails_to(smtp_sink, tenant["contacts"][0]["email"], 2)
    assert tenant["name"] in welcome.get_body(preferencelist=("plain",)).get_content()

    spans = await otlp_collector.wait_for(
        whole(set(NAMES), root_id, ("notifier", "consume tenant.activated")),
        trace_id=trace_id,
        what="the journey's trace from all five services",
    )
    assert otlp_collector.refused == []
    # Every request the client sent continued its trace, right under its own span.
    served = [s for s in spans if s.service == "tenant-api" and s.kind == SERVER]
    assert {s.parent_id for s in served} == {root_id}
    assert {"POST /leads", "POST /leads/{lead_id}/verify", PROVISION_ROUTE} <= {
        s.name for s in served
    }

    # The gateway's forwarding: lead-verifier's request is a child of tenant-api's call.
    signed_up = one(spans, "lead-verifier", "POST /leads")
    assert [(s.service, s.kind) for s in ancestry(signed_up, spans)[1:3]] == [
        ("tenant-api", CLIENT),
        ("tenant-api", SERVER),
    ]
    verification_sent = one(spans, "notifier", "consume lead.created")
    assert signed_up in ancestry(verification_sent, spans)

    requested = one(spans, "provisioner", "consume tenant.provisioning_requested")
    assert one(spans, "tenant-api", PROVISION_ROUTE) in ancestry(requested, spans)
    callback = one(spans, "webhook-receiver", "POST /webhooks/provisioning")
    # The callback is sent by the local driver's own unit of work, under the step that asked.
    assert [s.name for s in ancestry(callback, spans)[1:4]] == [
        "POST webhook-receiver",
        "pipeline infrastructure local run",
        "pipeline step infrastructure",
    ]
    assert ancestry(callback, spans)[1].service == "provisioner"
    assert (
        services_along(ancestry(one(spans, "notifier", "consume tenant.activated"), spans))
        == WELCOME_PATH
    )


async def test_a_provisioning_without_a_client_trace_is_still_one_trace_from_the_gateway_on(
    stack: Stack, infra: TestInfra, otlp_collector: OtlpCollector
) -> None:
    async with httpx.AsyncClient(
        base_url=stack.gateway, headers=admin_headers(infra), timeout=10
    ) as gateway:
        tenant = await new_tenant(gateway, "silo")
        await provision(gateway, tenant["id"])
        assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"

    path = f"/tenants/{tenant['id']}/provision"
    (started,) = await otlp_collector.wait_for(
        bool, where=lambda s: s.attributes.get("url.path") == path, what=f"POST {path}"
    )
    assert (started.service, started.name, started.parent_id) == (
        "tenant-api",
        PROVISION_ROUTE,
        None,
    )
    spans = await otlp_collector.wait_for(
        whole(
            {"tenant-api", "provisioner", "webhook-receiver", "notifier"},
            None,
            ("notifier", "consume tenant.activated"),
        ),
        trace_id=started.trace_id,
        what="the provisioning's trace",
    )
    welcome = ancestry(one(spans, "notifier", "consume tenant.activated"), spans)
    assert welcome[-1] == started
    assert services_along(welcome) == WELCOME_PATH
