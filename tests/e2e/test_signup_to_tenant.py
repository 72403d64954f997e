"""End to end over HTTP against the five running processes."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from service_kit_testing import SmtpSink
from tests.e2e.saga_client import lead_sign_up

from .conftest import NAMES, Stack

pytestmark = pytest.mark.e2e


def test_all_five_services_are_ready(stack: Stack) -> None:
    for name in NAMES:
        response = httpx.get(stack.url(name) + "/readyz", timeout=5)
        assert response.status_code == 200, (name, response.text)
        checks = response.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["broker"] == "ok"
        metrics = httpx.get(stack.url(name) + "/metrics", timeout=5)
        assert "http_requests_total" in metrics.text


async def test_sign_up_verify_and_onboard(stack: Stack, smtp_sink: SmtpSink) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    address = {"address": "1 Loom St", "city": "London", "zip": "N1", "country": "GB"}
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=10) as gateway:
        signed_up = await gateway.post(
            "/leads",
            json=lead_sign_up(email, address=address),
            headers={"X-Request-ID": "e2e-signup"},
        )
        assert signed_up.status_code == 201, signed_up.text
        assert signed_up.headers["x-request-id"] == "e2e-signup"
        lead_id = signed_up.json()["id"]
        forwarded = [
            json.loads(line.split(" | ", 1)[1])
            for line in stack.log.read_text().splitlines()
            if line.startswith("lead-verifier") and "lead signed up" in line
        ]
        assert [e["request_id"] for e in forwarded if e["lead_id"] == lead_id] == ["e2e-signup"]

        mail = await smtp_sink.wait_for(email)
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        link = next(w for w in text.split() if w.startswith("https://app.example/validate"))
        assert link.replace("&", "&amp;") in html or link in html
        query = parse_qs(urlsplit(link).query)
        assert query["id"] == [lead_id]
        code = query["code"][0]

        wrong = await gateway.post(
            f"/leads/{lead_id}/verify", headers={"Authorization": "Bearer wrong"}
        )
        assert wrong.status_code == 401
        verified = await gateway.post(
            f"/leads/{lead_id}/verify", headers={"Authorization": f"Bearer {code}"}
        )
        assert verified.status_code == 200, verified.text
        token = verified.json()["token"]

        onboarded = await gateway.post(
            f"/leads/{lead_id}/tenants",
            json={
                "key": "e2e" + uuid.uuid4().hex[:10],
                "domains": ["engines.example"],
                "tier": "silo",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert onboarded.status_code == 201, onboarded.text
        tenant = onboarded.json()
        assert tenant["status"] == "PENDING_PROVISION"
        (contact,) = tenant["contacts"]
        assert (contact["firstName"], contact["lastName"], contact["email"]) == (
            "Ada",
            "Lovelace",
            email,
        )
        assert contact["isPrimary"] is True
        assert {k: tenant["address"][k] for k in address} == address

    shown = await stack.tenantctl("tenants", "show", tenant["id"], "--json", timeout=30, check=True)
    assert json.loads(shown.stdout) == tenant
    listed = await stack.tenantctl("tenants", "list", timeout=30, check=True)
    row = next(line for line in listed.stdout.splitlines() if line.startswith(tenant["id"]))
    assert row.split()[1:4] == [tenant["key"], "PENDING_PROVISION", "silo"]
