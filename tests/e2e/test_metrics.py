"""After a saga, every service's /metrics shows the families operators graph (deploy/grafana)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service_kit_testing import child_processes, worker_processes

from .conftest import NAMES, Stack
from .saga_client import new_tenant, provision, settle

pytestmark = pytest.mark.e2e

Samples = dict[str, list[tuple[dict[str, str], float]]]


async def scrape(stack: Stack, service: str) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{stack.url(service)}/metrics")
    assert response.status_code == 200, response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name` over the samples carrying `labels`."""
    return sum(
        v
        for found, v in samples.get(name, [])
        if all(found.get(k) == want for k, want in labels.items())
    )


async def test_metrics_after_a_pooled_saga(stack: Stack, gateway: httpx.AsyncClient) -> None:
    tenant = await new_tenant(gateway, "pooled")
    await provision(gateway, tenant["id"])
    assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"

    common = (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "outbox_backlog",
        "outbox_oldest_age_seconds",
        "dlq_depth",
    )
    for service in NAMES:
        samples = await scrape(stack, service)
        for name in common:
            assert name in samples, f"{service}: no {name}"
        (queue,) = {labels["queue"] for labels, _ in samples["dlq_depth"]}
        assert queue.endswith(f"{service}.dlq")

    api = await scrape(stack, "tenant-api")
    assert value(api, "http_requests_total", method="POST", status="202") >= 1
    assert value(api, "events_published_total", type="tenant.provisioning_requested") >= 1
    assert value(api, "events_consumed_total", type="provisioning.completed") >= 1
    assert value(api, "event_handler_duration_seconds_count", type="provisioning.completed") >= 1
    assert value(api, "saga_duration_seconds_count", tier="pooled", outcome="succeeded") >= 1

    provisioner = await scrape(stack, "provisioner")
    assert value(provisioner, "events_published_total", type="provisioning.completed") >= 1
    assert (
        value(
            provisioner,
            "events_consumed_total",
            type="tenant.provisioning_requested",
            outcome="processed",
        )
        >= 1
    )

    async def notified() -> Samples:
        # The welcome e-mail follows the activation: wait for the notifier to consume it.
        for _ in range(100):
            samples = await scrape(stack, "notifier")
            if value(samples, "events_consumed_total", type="tenant.activated") >= 1:
                return samples
            await asyncio.sleep(0.2)
        raise AssertionError("notifier never consumed tenant.activated")

    notifier = await notified()
    assert value(notifier, "event_handler_duration_seconds_count", type="tenant.activated") >= 1

    # Finished pipelines are counted as they end; the gauge (refreshed in the background,
    # METRICS_PIPELINES_INTERVAL=1 here) holds the live ones.
    for _ in range(50):
        api = await scrape(stack, "tenant-api")
        if value(api, "pipelines_finished_total", status="SUCCEEDED") >= 1:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("pipelines_finished_total{status=SUCCEEDED} never reached 1")


def service_process(stack: Stack, package: str) -> int:
    """The service's own process under the launcher (`python -m <package>`)."""
    (pid,) = (
        pid
        for pid, command in child_processes(stack.process.pid).items()
        if f"-m\0{package}\0".encode() in command
    )
    return pid


async def test_the_gateways_two_processes_count_their_requests_together(stack: Stack) -> None:
    # The stack runs the gateway with TENANT_API_PROCESSES=2: one port, two workers.
    assert len(worker_processes(service_process(stack, "tenant_api"))) == 2
    before = value(await scrape(stack, "tenant-api"), "http_requests_total", route="/healthz")
    for _ in range(20):
        # A fresh connection each time, so that either worker may answer any of them.
        async with httpx.AsyncClient(timeout=5) as client:
            assert (await client.get(f"{stack.gateway}/healthz")).json() == {"status": "ok"}
    after = value(await scrape(stack, "tenant-api"), "http_requests_total", route="/healthz")
    assert after - before == 20
