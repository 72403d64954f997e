"""`/metrics` of every service: its token when one is set, else this machine only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from service_kit.app import build_app
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings
from service_kit_testing import assert_problem

TOKEN = "scrape-me-0123456789abcdef"


async def scrape(
    peer: str, headers: dict[str, str] | None = None, **settings: Any
) -> httpx.Response:
    # The route reads only the settings: no lifespan, no infrastructure needed.
    app = build_app(kit_runtime(ServiceSettings(**settings)), title="kit")
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        return await client.get("/metrics", headers=headers)


def assert_refused(response: httpx.Response, status: int, slug: str) -> None:
    assert_problem(response, status, slug)
    assert "http_requests_total" not in response.text


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1"])
async def test_without_a_token_this_machine_may_scrape(peer: str) -> None:
    response = await scrape(peer)
    assert response.status_code == 200
    assert "http_requests_total" in response.text


@pytest.mark.parametrize(
    ("peer", "headers"),
    [
        ("192.0.2.10", {}),
        ("10.0.0.7", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}),  # a local proxy passing it on
        ("127.0.0.1", {"Forwarded": "for=203.0.113.5"}),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.5"}),
    ],
)
async def test_without_a_token_nobody_else_may(peer: str, headers: dict[str, str]) -> None:
    assert_refused(await scrape(peer, headers), 403, "forbidden")


async def test_with_a_token_only_its_bearer_may_scrape() -> None:
    good = {"Authorization": f"Bearer {TOKEN}"}
    response = await scrape("192.0.2.10", good, metrics_token=TOKEN)
    assert response.status_code == 200
    assert "http_requests_total" in response.text
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN}):
        for peer in ("192.0.2.10", "127.0.0.1"):  # loopback is no excuse once a token is set
            refused = await scrape(peer, headers, metrics_token=TOKEN)
            assert_refused(refused, 401, "unauthorized")
            assert refused.headers["www-authenticate"] == "Bearer"


def test_a_metrics_token_is_not_trivially_short() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN"):
        ServiceSettings(metrics_token="short")
    assert ServiceSettings(metrics_token="  ").metrics_token is None  # compose's empty default
